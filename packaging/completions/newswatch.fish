# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_newswatch_global_optspecs
    string join \n log-format= h/help V/version
end

function __fish_newswatch_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_newswatch_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_newswatch_using_subcommand
    set -l cmd (__fish_newswatch_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c newswatch -n "__fish_newswatch_needs_command" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_needs_command" -s V -l version -d 'Print version'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "run" -d 'Run the daemon: poll every feed on its interval until stopped (SIGTERM/SIGINT; SIGHUP reloads the configuration and reopens the alert log)'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "once" -d 'Poll every feed once, deliver the alerts, and exit'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "check" -d 'Validate the config, watchlists and knowledge base; report every problem'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "items" -d 'Print one JSON line per item of a feed: id, title, link, published'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "article" -d 'Print the readable text of a web page: its article, without navigation, ads and the like (what `full_text` gives rules). No JavaScript is run'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "extract" -d 'Print the Extraction (entities, money, percentages, durations, dates, quotes) of a document'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "entities" -d 'Find knowledge-base entities by id, name or alias: the id a rule writes (`@id`)'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "channels" -d 'List the alert channels (webhooks, chat, ntfy, email, programs) with the alerts each has queued, its last success, last error and next retry; `channels test NAME` sends one a test message'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "cluster" -d 'Show the cluster (`[cluster]`: several instances sharing the feeds through NATS): the live members, the feeds each owns, its last heartbeat, and how many alerts each consumer of the alert stream has still to read. Exits 1 without `[cluster]`'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "rules" -d 'Work with watch rules (`rules test`: try rules on items before deploying them)'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "tail" -d 'Read or follow the alert log'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "feeds" -d 'List every configured feed with its state: last poll and status, next poll, consecutive errors and the last error, items seen, where it moved'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "import-opml" -d 'Read an OPML subscription list (OPML 1 or 2): print its feeds as [[feed]] entries (folders and categories become tags), or append them to the config'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "export-opml" -d 'Print the config\'s feeds as OPML 2.0 (first tag as folder, the others as categories)'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "completions" -d 'Print the completion script for a shell (bash, zsh, fish, elvish, powershell), e.g. `newswatch completions bash > ~/.local/share/bash-completion/completions/newswatch`'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "man" -d 'Write the manual pages (newswatch.1, and newswatch-COMMAND.1 for each command) into a folder. Hidden: the package and the install script use it'
complete -c newswatch -n "__fish_newswatch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newswatch -n "__fish_newswatch_using_subcommand run" -s c -l config -d 'Config file (default: $XDG_CONFIG_HOME/newswatch/newswatch.toml, then /etc/newswatch/newswatch.toml)' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand run" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand once" -s c -l config -d 'Config file' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand once" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand once" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand check" -s c -l config -d 'Config file' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand check" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand items" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand items" -l batch -d 'Read feed file paths from stdin, one a line, and print one JSON line per file: `file`, `items` (as above) or `error`, and `panicked`. Parses in one process (for comparisons and benchmarks)'
complete -c newswatch -n "__fish_newswatch_using_subcommand items" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand article" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand article" -l json -d 'One JSON object: title, byline, published, lang, text, words'
complete -c newswatch -n "__fish_newswatch_using_subcommand article" -l batch -d 'Read page file paths from stdin, one a line, and print one JSON line per file: `file` and the fields of --json, or `error`'
complete -c newswatch -n "__fish_newswatch_using_subcommand article" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand extract" -l reference -d 'Resolve relative dates ("yesterday") against this time (RFC 3339 or YYYY-MM-DD)' -r
complete -c newswatch -n "__fish_newswatch_using_subcommand extract" -s c -l config -d 'Also load the knowledge-base files of this config' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand extract" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand extract" -l html -d 'The input is HTML'
complete -c newswatch -n "__fish_newswatch_using_subcommand extract" -l batch -d 'Read JSON lines {"id", "text"} (or "html") from stdin, write one Extraction per line'
complete -c newswatch -n "__fish_newswatch_using_subcommand extract" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand entities" -s c -l config -d 'Config file (its `entities` files are searched with the built-in base)' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand entities" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand entities" -l json -d 'One JSON object per entity'
complete -c newswatch -n "__fish_newswatch_using_subcommand entities" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and not __fish_seen_subcommand_from test help" -s c -l config -d 'Config file' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and not __fish_seen_subcommand_from test help" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and not __fish_seen_subcommand_from test help" -l json -d 'One JSON object per channel instead of a table'
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and not __fish_seen_subcommand_from test help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and not __fish_seen_subcommand_from test help" -f -a "test" -d 'Send one made-up alert to channel NAME now and print the receiver\'s answer (exit 0 when it took it). Nothing is queued or recorded'
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and not __fish_seen_subcommand_from test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and __fish_seen_subcommand_from test" -s c -l config -d 'Config file' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and __fish_seen_subcommand_from test" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and __fish_seen_subcommand_from help" -f -a "test" -d 'Send one made-up alert to channel NAME now and print the receiver\'s answer (exit 0 when it took it). Nothing is queued or recorded'
complete -c newswatch -n "__fish_newswatch_using_subcommand channels; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newswatch -n "__fish_newswatch_using_subcommand cluster" -s c -l config -d 'Config file' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand cluster" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand cluster" -l json -d 'One JSON object instead of tables'
complete -c newswatch -n "__fish_newswatch_using_subcommand cluster" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and not __fish_seen_subcommand_from test help" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and not __fish_seen_subcommand_from test help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and not __fish_seen_subcommand_from test help" -f -a "test" -d 'Run rules over items and print what would fire, with the spans that matched'
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and not __fish_seen_subcommand_from test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from test" -l since -d 'Instead of a file: the items the daemon kept from this period ("7d", "12h") or since this time (RFC 3339); see `item_retention`' -r
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from test" -l rule -d 'Only this rule (repeatable)' -r
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from test" -l rules -d 'Use the rules of this watchlist file instead of the config\'s (repeatable): try a rule before deploying it' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from test" -l query -d 'Test this query, as a rule named `query` (with --rules or alone)' -r
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from test" -s c -l config -d 'Config file (watchlists, knowledge base, stored items)' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from test" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from test" -l json -d 'One JSON line per rule that fires on an item'
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "test" -d 'Run rules over items and print what would fire, with the spans that matched'
complete -c newswatch -n "__fish_newswatch_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newswatch -n "__fish_newswatch_using_subcommand tail" -l rule -d 'Only alerts of this rule (repeatable)' -r
complete -c newswatch -n "__fish_newswatch_using_subcommand tail" -l since -d 'Only alerts since this time: a duration ("2h", "7d") or an RFC 3339 time' -r
complete -c newswatch -n "__fish_newswatch_using_subcommand tail" -s n -l lines -d 'Only the last N alerts (before following)' -r
complete -c newswatch -n "__fish_newswatch_using_subcommand tail" -l file -d 'The alert log to read (default: the config\'s `alert_log`)' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand tail" -s c -l config -d 'Config file (to find the alert log)' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand tail" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand tail" -s f -l follow -d 'Keep following the log as alerts arrive'
complete -c newswatch -n "__fish_newswatch_using_subcommand tail" -l json -d 'Print the raw JSON lines'
complete -c newswatch -n "__fish_newswatch_using_subcommand tail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand feeds" -s c -l config -d 'Config file' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand feeds" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand feeds" -l json -d 'One JSON object per feed instead of a table'
complete -c newswatch -n "__fish_newswatch_using_subcommand feeds" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand import-opml" -s c -l config -d 'Config file (feeds already in it are skipped; with --append, the file written)' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand import-opml" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand import-opml" -l append -d 'Append the new entries to the config file (after checking the result) instead of printing them; feeds already there are skipped'
complete -c newswatch -n "__fish_newswatch_using_subcommand import-opml" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand export-opml" -s c -l config -d 'Config file' -r -F
complete -c newswatch -n "__fish_newswatch_using_subcommand export-opml" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand export-opml" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand completions" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand man" -l log-format -d 'Where and how to log. Default: the journal when systemd connected stderr to it (`$JOURNAL_STREAM`), else text on stderr' -r -f -a "text\t'Human-readable text'
json\t'One JSON object per line'
journal\t'Native journald protocol, structured fields as journal fields'"
complete -c newswatch -n "__fish_newswatch_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "run" -d 'Run the daemon: poll every feed on its interval until stopped (SIGTERM/SIGINT; SIGHUP reloads the configuration and reopens the alert log)'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "once" -d 'Poll every feed once, deliver the alerts, and exit'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "check" -d 'Validate the config, watchlists and knowledge base; report every problem'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "items" -d 'Print one JSON line per item of a feed: id, title, link, published'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "article" -d 'Print the readable text of a web page: its article, without navigation, ads and the like (what `full_text` gives rules). No JavaScript is run'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "extract" -d 'Print the Extraction (entities, money, percentages, durations, dates, quotes) of a document'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "entities" -d 'Find knowledge-base entities by id, name or alias: the id a rule writes (`@id`)'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "channels" -d 'List the alert channels (webhooks, chat, ntfy, email, programs) with the alerts each has queued, its last success, last error and next retry; `channels test NAME` sends one a test message'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "cluster" -d 'Show the cluster (`[cluster]`: several instances sharing the feeds through NATS): the live members, the feeds each owns, its last heartbeat, and how many alerts each consumer of the alert stream has still to read. Exits 1 without `[cluster]`'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "rules" -d 'Work with watch rules (`rules test`: try rules on items before deploying them)'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "tail" -d 'Read or follow the alert log'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "feeds" -d 'List every configured feed with its state: last poll and status, next poll, consecutive errors and the last error, items seen, where it moved'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "import-opml" -d 'Read an OPML subscription list (OPML 1 or 2): print its feeds as [[feed]] entries (folders and categories become tags), or append them to the config'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "export-opml" -d 'Print the config\'s feeds as OPML 2.0 (first tag as folder, the others as categories)'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "completions" -d 'Print the completion script for a shell (bash, zsh, fish, elvish, powershell), e.g. `newswatch completions bash > ~/.local/share/bash-completion/completions/newswatch`'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "man" -d 'Write the manual pages (newswatch.1, and newswatch-COMMAND.1 for each command) into a folder. Hidden: the package and the install script use it'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and not __fish_seen_subcommand_from run once check items article extract entities channels cluster rules tail feeds import-opml export-opml completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and __fish_seen_subcommand_from channels" -f -a "test" -d 'Send one made-up alert to channel NAME now and print the receiver\'s answer (exit 0 when it took it). Nothing is queued or recorded'
complete -c newswatch -n "__fish_newswatch_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "test" -d 'Run rules over items and print what would fire, with the spans that matched'
