//! Turning a merged knowledge-base entry into an [`Entity`]: the name, aliases, former
//! names and demonyms (with plurals) become alias rules with default case rules;
//! `[[entity.alias]]` tables override them; people get a surname that counts once
//! their full name was seen. Bad values are reported, not guessed.

use super::load::{AliasToml, Draft, Pos, with_message};
use super::{AliasOrigin, AliasRule, CaseRule, ContextRule, Entity, Scope};
use crate::diag::Diagnostic;
use crate::model::EntityKind;

/// The default case rule: exact for short all-capital forms ("ICO", "U.S."),
/// capitalised otherwise.
pub(crate) fn default_case(text: &str) -> CaseRule {
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters > 0 && letters <= 5 && !text.chars().any(char::is_lowercase) {
        CaseRule::Exact
    } else {
        CaseRule::Capitalized
    }
}

fn plain_rule(text: &str, origin: AliasOrigin) -> AliasRule {
    AliasRule {
        text: text.to_string(),
        case: default_case(text),
        origin,
        context: None,
        common_word: false,
        veto_words: Vec::new(),
        not_followed_by: Vec::new(),
        not_before_idioms: false,
        not_preceded_by: Vec::new(),
        scope: Scope::Paragraph,
    }
}

/// Words after a demonym that make it part of a dish, a breed or an idiom rather than
/// a reference to the place ("French onion soup", "Danish pastries", "Dutch courage").
pub(super) const DEMONYM_NOT_BEFORE: &[&str] = &[
    "onion soup",
    "fries",
    "fry",
    "toast",
    "press",
    "kiss",
    "kissing",
    "horn",
    "door",
    "doors",
    "dressing",
    "bread",
    "manicure",
    "braid",
    "twist",
    "waffle",
    "waffles",
    "cheese",
    "fondue",
    "army knife",
    "pastry",
    "pastries",
    "curry",
    "curries",
    "delight",
    "yogurt",
    "yoghurt",
    "roulette",
    "oven",
    "courage",
    "auction",
    "uncle",
    "shepherd",
    "shepherds",
    "mastiff",
    "bulldog",
    "terrier",
    "setter",
    "poodle",
    "cat",
    "cats",
    "summer",
    "whispers",
    "flu",
    "omelette",
    "breakfast",
    "muffin",
    "muffins",
    "coffee",
    "wave",
    "standoff",
    "checkers",
    "food",
    "restaurant",
    "restaurants",
    "takeaway",
    "cuisine",
    "noodles",
    "dumplings",
    "salad",
    "sausage",
    "sausages",
    "knot",
    "goulash",
    "rarebit",
    "stew",
    "pizza",
    "pasta",
    "roll",
    "rolls",
    "tea",
    "chocolate",
    "chocolates",
];

/// A demonym's rule: a plain rule that dishes and idioms rule out.
fn demonym_rule(text: &str) -> AliasRule {
    let mut r = plain_rule(text, AliasOrigin::Demonym);
    r.not_before_idioms = true;
    r
}

/// Plural forms of a demonym used as a noun ("Americans", "Israelis").
fn demonym_plural(d: &str) -> Option<String> {
    (d.ends_with("an") || d.ends_with('i')).then(|| format!("{d}s"))
}

/// Builds the entity from a draft, or reports why it cannot.
pub(super) fn build(d: &Draft, errors: &mut Vec<Diagnostic>) -> Option<Entity> {
    let t = &d.toml;
    let before = errors.len();
    let kind = match &t.kind {
        None => {
            errors.push(with_message(
                &d.at,
                format!("entity `{}` has no `kind`", t.id),
            ));
            None
        }
        Some(k) => {
            let k = k.get_ref();
            let parsed = EntityKind::parse(k);
            if parsed.is_none() {
                errors.push(with_message(
                    d.kind_at.as_ref().unwrap_or(&d.at),
                    format!(
                        "entity `{}`: unknown kind `{k}` (organization, person, location, regulator, product)",
                        t.id
                    ),
                ));
            }
            parsed
        }
    };
    let name = t.name.clone().unwrap_or_default();
    if name.trim().is_empty() {
        errors.push(with_message(
            &d.at,
            format!("entity `{}` has no `name`", t.id),
        ));
    }
    let removed = |s: &str| t.remove_aliases.iter().any(|r| r.eq_ignore_ascii_case(s));
    let mut rules: Vec<AliasRule> = Vec::new();
    let push = |rule: AliasRule, rules: &mut Vec<AliasRule>| {
        if rule.text.trim().is_empty() || removed(&rule.text) {
            return;
        }
        match rules.iter_mut().find(|r| r.text == rule.text) {
            // A later, more specific definition (an [[entity.alias]]) wins.
            Some(r) => *r = rule,
            None => rules.push(rule),
        }
    };
    push(plain_rule(&name, AliasOrigin::Name), &mut rules);
    for a in &t.aliases {
        push(plain_rule(a, AliasOrigin::Alias), &mut rules);
    }
    for a in &t.former_names {
        push(plain_rule(a, AliasOrigin::FormerName), &mut rules);
    }
    for a in &t.demonyms {
        push(demonym_rule(a), &mut rules);
        if let Some(p) = demonym_plural(a) {
            push(plain_rule(&p, AliasOrigin::Demonym), &mut rules);
        }
    }
    for (a, at) in t.alias.iter().zip(&d.alias_at) {
        if let Some(mut rule) = alias_rule(&t.id, a.get_ref(), at, errors) {
            if rule.origin == AliasOrigin::Demonym {
                rule.not_before_idioms = true;
            }
            let plural = (rule.origin == AliasOrigin::Demonym)
                .then(|| demonym_plural(&rule.text))
                .flatten();
            if let Some(p) = plural {
                let mut pr = rule.clone();
                pr.text = p;
                push(pr, &mut rules);
            }
            push(rule, &mut rules);
        }
    }
    for (a, at) in t.alias.iter().zip(&d.alias_at) {
        if a.get_ref().text.trim().is_empty() {
            errors.push(with_message(at, format!("entity `{}`: empty alias", t.id)));
        }
    }
    if kind == Some(EntityKind::Person) {
        let surname = match &t.surname {
            Some(s) => Some(s.clone()),
            None => name
                .split_whitespace()
                .last()
                .filter(|_| name.split_whitespace().count() > 1)
                .map(str::to_string),
        };
        if let Some(s) = surname.filter(|s| s.chars().count() >= 2) {
            if !rules.iter().any(|r| r.text == s) {
                let mut r = plain_rule(&s, AliasOrigin::Surname);
                r.context = Some(ContextRule::default());
                r.scope = Scope::Document;
                push(r, &mut rules);
            }
        }
    }
    if errors.len() > before {
        return None;
    }
    let aliases = rules
        .iter()
        .filter(|r| r.origin != AliasOrigin::Demonym && r.origin != AliasOrigin::Surname)
        .map(|r| r.text.clone())
        .collect();
    Some(Entity {
        id: t.id.clone(),
        name,
        kind: kind?,
        aliases,
        country: t.country.clone(),
        owner: t.owner.as_ref().map(|o| o.get_ref().clone()),
        parent: t.parent.as_ref().map(|o| o.get_ref().clone()),
        tags: t.tags.clone(),
        roles: t.roles.iter().map(|r| r.to_lowercase()).collect(),
        rules,
    })
}

/// Converts one `[[entity.alias]]`, reporting bad values.
fn alias_rule(
    id: &str,
    a: &AliasToml,
    at: &Pos,
    errors: &mut Vec<Diagnostic>,
) -> Option<AliasRule> {
    let case = match a.case.as_deref() {
        None => default_case(&a.text),
        Some("exact") => CaseRule::Exact,
        Some("capitalized" | "capitalised") => CaseRule::Capitalized,
        Some("any") => CaseRule::Any,
        Some(other) => {
            errors.push(with_message(
                at,
                format!(
                    "entity `{id}`, alias `{}`: unknown case `{other}` (exact, capitalized, any)",
                    a.text
                ),
            ));
            return None;
        }
    };
    let scope = match a.scope.as_deref() {
        None | Some("paragraph") => Scope::Paragraph,
        Some("sentence") => Scope::Sentence,
        Some("document") => Scope::Document,
        Some(other) => {
            errors.push(with_message(
                at,
                format!("entity `{id}`, alias `{}`: unknown scope `{other}` (sentence, paragraph, document)", a.text),
            ));
            return None;
        }
    };
    let conditional = a.common_word
        || a.needs_context
        || !a.context_entities.is_empty()
        || !a.context_words.is_empty();
    Some(AliasRule {
        text: a.text.clone(),
        case,
        origin: if a.demonym {
            AliasOrigin::Demonym
        } else {
            AliasOrigin::Alias
        },
        context: conditional.then(|| ContextRule {
            entities: a.context_entities.clone(),
            words: a.context_words.clone(),
        }),
        common_word: a.common_word,
        veto_words: a.veto_words.clone(),
        not_followed_by: a.not_followed_by.clone(),
        not_before_idioms: false,
        not_preceded_by: a.not_preceded_by.clone(),
        scope,
    })
}
