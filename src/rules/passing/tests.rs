//! Mentions in passing, both ways: the medium, yardstick, dismissal and list readings
//! drop a mention from `central(…)`; a story about the company keeps it.

use crate::rules::tests::run;

const APPS: &str = "central(@bytedance+owned OR @wechat)";

/// Asserts that `query` finds nothing central in each text.
fn assert_dropped(query: &str, cases: &[&str]) {
    for text in cases {
        assert_eq!(run(query, "", text), None, "{text:?} counts as central");
    }
}

/// Asserts that `query` keeps the mention written `surface` in each text.
fn assert_kept(query: &str, cases: &[(&str, &str)]) {
    for (text, surface) in cases {
        let got = run(query, "", text).unwrap_or_default();
        assert!(got.iter().any(|s| s == surface), "{text:?}: {got:?}");
    }
}

#[test]
fn passing_mentions_are_dropped() {
    let cases: &[&str] = &[
        // A medium.
        "The clip went viral on TikTok, amassing 2 million views.",
        "In a viral TikTok video, the server said she was working.",
        "The TikTok star died in a crash.",
        "He posted the photos in a WeChat group of classmates.",
        "He warned colleagues in a group on the popular Chinese messaging app WeChat.",
        "The company said in a statement on its official WeChat account that it was false.",
        "Residents were asked to pay the fees through WeChat.",
        "She shows off her kitchen in a TikTok posted on Monday.",
        "The hits that went from TikTok to the charts.",
        "TikTok stars say the ban would cost them their income.",
        "WeChat groups were full of rumours.",
        "A city was mentioned and the TikTok went viral overnight.",
        "The TikTok showed her dancing in the rain.",
        "A waiter's viral TikTok sparked a debate about tipping.",
        "Police came to her door after filming a lockdown TikTok.",
        "The influencer was fined after filming TikTok videos at the falls.",
        "Mayor says dangerous TikTok stunt at Niagara Falls a bad idea",
        "A TikTok prank left shoppers confused.",
        "TikTok's Hottest Tracks of 2023",
        "TikTok's most viral videos of the week are all about cats.",
        "A suspect behind a series of TikTok 'prank' videos was held.",
        "Man arrested over TikTok 'prankster' clips",
        "TikTok goes viral: school lunchroom prank turns into a party",
        "Check out TikTok's most dangerous and viral trends",
        "Synthetic drugs case: WeChat social media messages used as evidence",
        "YouTube zet TikTok-concurrent Shorts aan",
        "The ministry said so on its WeChat accounts.",
        "Players can buy games using Tencent's WeChat payment system.",
        "Abandoned dog gets happy ending thanks to TikTok",
        "She can wear the 'TikTok pop star' badge with pride.",
        "The TikTok beauty influencers swear by the serum.",
        "5 Harmful TikTok dental trends that dentists warn about",
        "The song, a TikTok heartbreak anthem, debuts at No. 1",
        "The ban covers VPNs that allowed access to TikTok that was earlier banned.",
        "The influencer hints at a controversy as she returns to TikTok.",
        "A teacher was fired after uploading a TikTok revealing her book club.",
        "The singer's TikTok accounts have ten million followers.",
        // A yardstick.
        "Instagram launched a TikTok competitor called Reels.",
        "Facebook's Instagram takes on TikTok with Reels",
        "Instagram is foisting TikTok-esque features on its users.",
        "The app is an alternative to TikTok for older users.",
        "The AI app may be an even bigger threat than TikTok.",
        "Channels is an answer to Douyin.",
        "BeReal is the TikTok of photo apps.",
        "The app is losing viewers to rival TikTok.",
        "Instagram watched what would happen to competitor TikTok.",
        "Instagram tries to mimic TikTok with its new Reels feature.",
        "YouTube attempts to compete with TikTok through Shorts.",
        "Tencent says its new video feature could beat TikTok.",
        "QQ, the second-largest messaging app in China after WeChat, changed its rules.",
        "QQ, the second most popular chat app after WeChat, changed its rules.",
        "Kuaishou, the most popular short-video service in China after ByteDance Ltd.'s Douyin, soared.",
        "The hottest app is no longer the all-in-one social media platform WeChat nor the hugely popular video sharing app TikTok, but a state app.",
        "A nova função lembra o TikTok.",
        "Rival do TikTok, Kwai conquista brasileiros",
        "Ocean Spray finally reacts to viral skateboarding TikTok",
        "University warns of TikTok drinking trend after parties",
        "Hohenfelde: Polizeieinsatz nach Tiktok-Video",
        "One WeChat essayist labelled them Russians in spirit.",
        "Zynn is accused of duplicating the highly popular Chinese video app TikTok.",
        "He posted the notice on his WeChat account.",
        "La nueva función recuerda a TikTok.",
        // Dismissed.
        "Forget TikTok, Gen Z is now obsessed with BeReal.",
        "Move over, TikTok: a new app tops the charts.",
        // A list.
        "Teens use YouTube, Instagram, TikTok and Snapchat.",
        "competitor Chinese platforms like Douyin and Kuaishou",
        "apps such as WeChat and Weibo",
        "Popular apps including TikTok and Instagram shape teen culture.",
        // A precedent, in the body.
        "The states extended earlier bans that covered TikTok.",
        "The move follows a similar probe into TikTok and YouTube.",
        "Snapchat chases the users of banned Chinese short video app TikTok.",
        "Canada's move follows a similar action taken against short video app TikTok.",
        // Owned: the story is about the owner.
        "Tencent operates WeChat, a platform with a billion users, but games pay.",
        "Tencent, parent of the super messaging app WeChat, bought a studio.",
        "The conglomerate and parent company of WeChat, Tencent, sold shares.",
        "A holding Tencent, que também controla o popular app WeChat, comprou a startup.",
        "Tencent, owner of the massive Chinese messaging app WeChat, bought a stake in Tesla.",
        "She was arrested after a live broadcast on TikTok.",
        "Influencer arrested in Saudi Arabia for \u{201c}sexual expressions\u{201d} on TikTok",
        "A teenager was charged over threats he made on TikTok.",
        "Nigerian teen sentenced for $5,000 TikTok romance scam",
        "OpenAI\u{2019}s Bold Bet: A TikTok\u{2011}Style App with Sora 2 at Its Core",
        "Carlos lo sabía: con un video de TikTok logró salvar el restaurante.",
        "Explicou a empresa em comunicado divulgado na rede social Wechat.",
        // The same medium in other languages.
        "Arrestation: il s'introduit chez des inconnus pour une blague sur TikTok",
        "Un jeune adulte qui voulait faire du contenu sur TikTok a été arrêté.",
        "El vídeo publicado en TikTok acumula millones de visitas.",
    ];
    assert_dropped(APPS, cases);
}

#[test]
fn rivals_measured_against_douyin_leave_it_in_passing() {
    // The rival is central in these; Douyin is the yardstick.
    assert_dropped(
        "central(@bytedance+owned)",
        &[
            "Channels, WeChat's answer to short video app Douyin, tests livestreaming",
            "WeChat competes with popular short video apps Douyin and Kuaishou.",
            "Tencent's Wechat Launches Another Short Video Offensive Against Douyin",
        ],
    );
    // Douyin is central here; TikTok is what it is measured against.
    assert_dropped(
        "central(@tiktok)",
        &["Douyin, the Chinese cousin of TikTok, grew fast."],
    );
}

#[test]
fn central_mentions_are_kept() {
    let cases: &[(&str, &str)] = &[
        ("TikTok sued the government on Tuesday.", "TikTok"),
        // Its own product changed; a ban after which; an app no longer allowed.
        ("TikTok Longer Videos: Three Minutes", "TikTok"),
        (
            "It was the biggest fine after TikTok was banned in India.",
            "TikTok",
        ),
        ("Officials can no longer use WeChat for work.", "WeChat"),
        // An account closed is the app acting; a payment method taken is news.
        (
            "Wen said his WeChat account was banned for violations.",
            "WeChat",
        ),
        (
            "Tencent shut down his WeChat account after the post.",
            "WeChat",
        ),
        ("Activist Says Tencent WeChat Account Shut Down", "WeChat"),
        (
            "Taobao plans to allow users to pay via WeChat Pay.",
            "WeChat Pay",
        ),
        // A merger with a rival is news about both; "video app" is the app.
        (
            "Musical.ly is merging with homegrown competitor TikTok.",
            "TikTok",
        ),
        (
            "The firm will merge it with its own TikTok video app.",
            "TikTok",
        ),
        ("The House voted to ban TikTok.", "TikTok"),
        ("A ban on TikTok took effect.", "TikTok"),
        ("Lawmakers said the TikTok ban goes into effect.", "TikTok"),
        ("TikTok's chief executive testified.", "TikTok"),
        ("A TikTok spokesperson declined to comment.", "TikTok"),
        (
            "Trump ordered a ban on WeChat, TikTok in 45 days.",
            "WeChat",
        ),
        (
            "Douyin, the Chinese sister app of TikTok, grew fast.",
            "Douyin",
        ),
        ("WeChat Pay opened to foreign tourists.", "WeChat Pay"),
        ("WeChat users could not send messages on Monday.", "WeChat"),
        (
            "Regulators questioned whether data from TikTok reached Beijing.",
            "TikTok",
        ),
        ("TikTok creators sued over the law.", "TikTok"),
        ("A film about TikTok premiered in Berlin.", "TikTok"),
        (
            "Merchant-led livestreams take over Douyin e-commerce",
            "Douyin",
        ),
        (
            "A leaked recording shows TikTok staff discussing data.",
            "TikTok",
        ),
        ("Regulators set a record fine against TikTok.", "TikTok"),
        ("TikTok's competitors welcomed the ruling.", "TikTok"),
        ("TikTok's top executive resigned on Friday.", "TikTok"),
        ("TikTok's top songs policy angered labels.", "TikTok"),
        (
            "TikTok's viral videos spread the false claim, regulators said.",
            "TikTok",
        ),
        (
            "Sorry Facebook, TikTok is now the most downloaded app.",
            "TikTok",
        ),
        (
            "Regulators ordered changes to the messaging app WeChat.",
            "WeChat",
        ),
        ("After WeChat, the second app to be fined was QQ.", "WeChat"),
        (
            "The third-party app was removed after WeChat complained.",
            "WeChat",
        ),
        ("Rivals accused TikTok of copying their features.", "TikTok"),
        (
            "Creators struggle to compete on TikTok, the study found.",
            "TikTok",
        ),
        (
            "Censors caught up with him through the social-networking service WeChat.",
            "WeChat",
        ),
        (
            "Viral challenges on TikTok worry parents; TikTok said it acts.",
            "TikTok",
        ),
        // A word that reads as a medium noun but is the name's verb.
        ("TikTok hits 1 billion users worldwide.", "TikTok"),
        ("WeChat filters messages about the protests.", "WeChat"),
        ("TikTok posts its first annual profit.", "TikTok"),
        ("Douyin accounts for most of the revenue.", "Douyin"),
        // What an action is taken against is not a passing list or example.
        (
            "India banned 59 Chinese apps including TikTok and WeChat.",
            "TikTok",
        ),
        (
            "The EU opened probes into Meta, TikTok and AliExpress.",
            "TikTok",
        ),
        ("Montana wants to ban apps such as TikTok.", "TikTok"),
        // A product of the company, capitalised in running text, is no post.
        (
            "WeChat Video Channels to share revenue with creators",
            "WeChat",
        ),
        ("Tencent-owned WeChat said it would comply.", "WeChat"),
        (
            "TikTok's top executive shares videos of the launch.",
            "TikTok",
        ),
        ("Canada banned WeChat on government devices.", "WeChat"),
        (
            "Users begged for access to their WeChat app accounts after the ban.",
            "WeChat",
        ),
        ("The House banned Chinese app TikTok on Tuesday.", "TikTok"),
        ("Crackdown hits hundreds of WeChat accounts", "WeChat"),
        ("Creators post TikTok ban videos in protest.", "TikTok"),
        ("TikTok Extends Video Uploads to 10 Minutes", "TikTok"),
        ("TikTok will challenge the ruling in court.", "TikTok"),
        (
            "Tencent launches a buy now pay later credit feature in WeChat",
            "WeChat",
        ),
        (
            "The ban on TikTok that was announced earlier took effect.",
            "TikTok",
        ),
        ("The TikTok CEO video was played at the hearing.", "TikTok"),
        // Banned from using it; a list accused, or complained against.
        (
            "Swedish Defense Ministry bans employees from using TikTok",
            "TikTok",
        ),
        (
            "The ministry banned using the TikTok app on service phones.",
            "TikTok",
        ),
        (
            "TikTok, AliExpress, Temu and WeChat accused of sending data to China",
            "WeChat",
        ),
        (
            "The agency said Twitter, WeChat and VKontakte had been unblocked.",
            "WeChat",
        ),
        (
            "The group filed complaints against firms including TikTok, Temu and WeChat.",
            "TikTok",
        ),
        (
            "TikTok accounts linked to the campaign were removed.",
            "TikTok",
        ),
        ("TikTok's most senior lawyer resigned.", "TikTok"),
        (
            "Three men were arrested after a protest, and the state cracked down on TikTok.",
            "TikTok",
        ),
        (
            "ChatGPT Banned on Chinese Social Media App WeChat",
            "WeChat",
        ),
        (
            "OpenAI's ChatGPT has been removed from WeChat, the popular Chinese app.",
            "WeChat",
        ),
        ("The Senate braces for a showdown over TikTok.", "TikTok"),
        (
            "Police warn of a wave of WeChat investment scams targeting the elderly.",
            "WeChat",
        ),
        (
            "The government lifted its ban on TikTok on Monday.",
            "TikTok",
        ),
    ];
    assert_kept(APPS, cases);
}

#[test]
fn central_combines_with_scopes_and_counts() {
    let title = "Forget TikTok, this app is the new craze";
    let body = "The app lets friends share one photo a day.";
    assert_eq!(run("central(@tiktok) IN lead", title, body), None);
    assert!(run("@tiktok IN lead", title, body).is_some());
    let body = "A video posted on TikTok showed the flood. Another TikTok video showed the rescue.";
    assert_eq!(
        run(
            "mentions(central(@tiktok)) >= 2",
            "Floods hit the city",
            body
        ),
        None
    );
    assert_eq!(
        run("mentions(@tiktok) >= 2", "Floods hit the city", body).map(|m| m.len()),
        Some(2)
    );
    let body = "TikTok said it would sue. TikTok also said it would appeal.";
    assert_eq!(
        run("mentions(central(@tiktok)) >= 2", "", body).map(|m| m.len()),
        Some(2)
    );
}

const REGULATORS: &str = "central(tag:dpa)";

#[test]
fn regulators_only_told_are_dropped() {
    let cases: &[&str] = &[
        "After the attack, the council referred itself to the Information Commissioner's Office.",
        "We are working with the relevant authorities, including the Information Commissioner's Office.",
        "The company said it had notified the Data Protection Commission of the incident.",
        "The breach was reported to the CNIL within 72 hours, the company said.",
        "The ICO has been informed, a spokesperson said.",
        "The firm is cooperating fully with the ICO.",
        "Het lek is gemeld bij de Autoriteit Persoonsgegevens.",
        "The consumer group presented its report to the Dutch Data Protection Authority on Thursday.",
    ];
    assert_dropped(REGULATORS, cases);
}

#[test]
fn regulators_that_act_are_kept() {
    let cases: &[(&str, &str)] = &[
        ("The ICO fined the council £500,000.", "ICO"),
        (
            "Twitter was fined for failing to notify the Data Protection Commission in time.",
            "Data Protection Commission",
        ),
        (
            "The company notified the CNIL, which opened an investigation.",
            "CNIL",
        ),
        (
            "The CNIL was notified of the breach and ordered the firm to warn users.",
            "CNIL",
        ),
        // No reading about apps applies to regulators: a list acts together.
        (
            "The CNIL, the Information Commissioner's Office and the Irish Data Protection Commission published joint guidance.",
            "Information Commissioner's Office",
        ),
        (
            "Reports to the Information Commissioner's Office rose by a third, it said.",
            "Information Commissioner's Office",
        ),
    ];
    assert_kept(REGULATORS, cases);
}

#[test]
fn a_gloss_in_brackets_is_the_mention_again() {
    // "WeChat (微信)" names the app once, so it is not two central mentions; two
    // mentions apart are.
    let twice = "mentions(central(@wechat)) >= 2";
    assert_dropped(
        twice,
        &["The default search engine of Tencent's app WeChat (微信)."],
    );
    assert_kept(
        twice,
        &[(
            "WeChat banned the accounts. 微信 said so on Monday.",
            "微信",
        )],
    );
}
