//! Regulators named only as the ones told or worked with: "the council referred
//! itself to the Information Commissioner's Office", "we are working with the
//! relevant authorities, including the ICO", "the CNIL has been notified". The story
//! is the one who told them (a company disclosing a breach); the regulator does
//! nothing in it. A sentence with an action in it (a fine, a probe, an order) is
//! never such a mention: "fined for failing to notify the DPC" is the regulator's
//! decision.

use super::{ACTIONS, Words};

/// Verbs of telling or reporting to someone, up to [`REACH`] words before the name.
const TOLD: &[&str] = &[
    "reported",
    "referred",
    "notified",
    "informed",
    "alerted",
    "contacted",
    "notify",
    "notifying",
    "inform",
    "informing",
    "alert",
    "alerting",
    "contact",
    "contacting",
    "self-reported",
    // Handed a report or a letter: "presented its findings to the regulator".
    "submitted",
    "presented",
    "handed",
    // Reported, notified, informed, handed in Dutch, German and French.
    "gemeld",
    "aanbood",
    "aangeboden",
    "overhandigd",
    "geïnformeerd",
    "gemeldet",
    "informiert",
    "signalé",
    "notifié",
    "informé",
];

/// Verbs of working alongside someone, before "with" ("working closely with").
const WORKING: &[&str] = &[
    "working",
    "work",
    "works",
    "worked",
    "cooperating",
    "cooperate",
    "cooperated",
    "co",
    "liaising",
    "liaise",
    "liaised",
    "engaging",
    "engaged",
];

/// Actions of a regulator that, anywhere in the sentence, make it the regulator's
/// news, besides [`ACTIONS`].
const DECIDES: &[&str] = &[
    "order",
    "orders",
    "ordered",
    "opened",
    "launched",
    "penalty",
    "penalties",
    "reprimand",
    "reprimanded",
    "enforcement",
    "ruled",
    "ruling",
    "decision",
    "warned",
    "inquiry",
    "inquiries",
    "enquiries",
    "enquiry",
];

/// How many words before the name a verb of telling may stand.
const REACH: usize = 8;

impl Words<'_, '_> {
    /// Whether this regulator is only told or worked with.
    pub(super) fn told(&self) -> bool {
        if self.sentence_has_action() {
            return false;
        }
        // "reported the breach to the ICO", "working closely with the ICO".
        for k in 1..=REACH {
            let Some(w) = self.before(k) else {
                break;
            };
            if TOLD.contains(&w) {
                return true;
            }
            if w == "with"
                && (1..=2).any(|j| self.before(k + j).is_some_and(|v| WORKING.contains(&v)))
            {
                return true;
            }
        }
        // "the ICO has been informed", "the CNIL was notified".
        let mut k = 1;
        while self.after(k).is_some_and(|w| {
            matches!(
                w,
                "has" | "have" | "had" | "been" | "was" | "were" | "is" | "also" | "already"
            )
        }) {
            k += 1;
        }
        k > 1 && self.after(k).is_some_and(|w| TOLD.contains(&w))
    }

    /// Whether any word of the occurrence's sentence is an action against someone.
    fn sentence_has_action(&self) -> bool {
        let doc = self.doc;
        let s = self.o.sentence;
        let first = doc.words.partition_point(|w| w.sentence < s);
        (first..doc.words.len())
            .take_while(|&i| doc.words[i].sentence == s)
            .map(|i| doc.folded(i))
            .any(|w| ACTIONS.contains(&w) || DECIDES.contains(&w))
    }
}
