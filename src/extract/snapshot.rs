//! The shipped knowledge base, compiled in: its entities and its entity index as built
//! from `config/entities/*.toml`, stored in `builtin-kb.bin` beside this file. Reading
//! them takes a fraction of a millisecond, where parsing the TOML and building the
//! index took tens (most of `check`'s, `once`'s and `extract`'s start-up).
//!
//! The file is made from the TOML by the test below, which fails while the file is
//! stale: after editing the shipped entity files (or the code that builds the base or
//! its index), run `NEWSWATCH_BLESS=1 cargo test --lib compiled_in` and commit the
//! file. It records a hash of the TOML files it was made from ([`BUILTIN_HASH`]), so
//! a binary whose files changed since notices and builds from the TOML instead,
//! saying so. User entity files (`entities = [...]`) are merged into the TOML as
//! before: only the shipped base alone is compiled in.
//!
//! Layout: a [`Header`], then the knowledge base's parts, then the index's parts,
//! each in postcard; the header says where the second starts, so the index is read
//! only when something is extracted.

use serde::{Deserialize, Serialize};
use tracing::warn;

use super::entities::{EntityMatcher, MatcherParts};
use super::kb::{BUILTIN_HASH, KnowledgeBase, Parts};

/// The compiled-in base.
const COMPILED: &[u8] = include_bytes!("builtin-kb.bin");

/// Bumped when the stored types change shape, so an old file is not misread.
const FORMAT: u32 = 1;

/// What the file starts with.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    /// [`FORMAT`] when it was written.
    format: u32,
    /// [`BUILTIN_HASH`] of the files it was made from.
    sources: u64,
    /// Bytes of the knowledge base's parts, which the index's parts follow.
    kb_len: u64,
}

/// The compiled-in sections (knowledge base, index), if the file is current.
fn sections() -> Result<(&'static [u8], &'static [u8]), String> {
    let (h, rest) = postcard::take_from_bytes::<Header>(COMPILED).map_err(|e| e.to_string())?;
    if h.format != FORMAT || h.sources != BUILTIN_HASH {
        return Err("made from other knowledge-base files than this binary's".into());
    }
    let at = usize::try_from(h.kb_len).map_err(|e| e.to_string())?;
    rest.split_at_checked(at)
        .ok_or_else(|| "truncated".to_string())
}

/// The shipped knowledge base as compiled in; `None` (with a warning) when the
/// compiled-in copy is stale or unreadable, and the TOML must be read instead.
pub(crate) fn knowledge_base() -> Option<KnowledgeBase> {
    let parts =
        sections().and_then(|(kb, _)| postcard::from_bytes::<Parts>(kb).map_err(|e| e.to_string()));
    match parts {
        Ok(p) => Some(KnowledgeBase::from_parts(p)),
        Err(error) => {
            warn!(%error, "the compiled-in knowledge base is stale; reading its TOML files instead");
            None
        }
    }
}

/// The entity index of the compiled-in knowledge base ([`knowledge_base`]);
/// `None` if it cannot be read (then it is built from the base).
pub(crate) fn matcher() -> Option<EntityMatcher> {
    let (_, index) = sections().ok()?;
    postcard::from_bytes::<MatcherParts>(index)
        .ok()
        .map(EntityMatcher::from_parts)
}

/// The file's bytes for knowledge base `kb` (built from the shipped TOML).
#[cfg(test)]
fn encode(kb: &KnowledgeBase) -> Result<Vec<u8>, postcard::Error> {
    let kb_bytes = postcard::to_stdvec(&kb.parts())?;
    let index = postcard::to_stdvec(&EntityMatcher::new(kb).parts())?;
    let header = Header {
        format: FORMAT,
        sources: BUILTIN_HASH,
        kb_len: kb_bytes.len() as u64,
    };
    let mut out = postcard::to_stdvec(&header)?;
    out.extend_from_slice(&kb_bytes);
    out.extend_from_slice(&index);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::extract::Extractor;

    #[test]
    fn compiled_in_knowledge_base_is_the_one_the_toml_builds() {
        let fresh = KnowledgeBase::from_toml(&[]).unwrap_or_else(|e| panic!("{e:?}"));
        let bytes = encode(&fresh).unwrap();
        if bytes != COMPILED {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/extract/builtin-kb.bin");
            if std::env::var_os("NEWSWATCH_BLESS").is_some() {
                std::fs::write(path, &bytes).unwrap();
                eprintln!("wrote {path}: rebuild to compile it in");
                return;
            }
            panic!(
                "{path} is stale (it is not what config/entities/*.toml builds): run \
                 `NEWSWATCH_BLESS=1 cargo test --lib compiled_in` and commit it"
            );
        }
        // What is read back is what was built: the base and its index.
        let compiled = knowledge_base().expect("the compiled-in base reads back");
        assert!(compiled.is_compiled_in() && !fresh.is_compiled_in());
        assert_eq!(compiled.parts(), fresh.parts());
        for e in fresh.entities() {
            assert_eq!(compiled.index_of(&e.id), fresh.index_of(&e.id));
        }
        let index = matcher().expect("the compiled-in index reads back");
        assert_eq!(index.parts(), EntityMatcher::new(&fresh).parts());
        assert!(KnowledgeBase::builtin().unwrap().is_compiled_in());
    }

    #[test]
    fn compiled_in_and_toml_built_bases_extract_alike() {
        let text = include_str!("../../tests/fixtures/tiktok-wechat-2020.txt");
        let compiled = Extractor::new(Arc::new(KnowledgeBase::builtin().unwrap()));
        let fresh = Extractor::new(Arc::new(KnowledgeBase::from_toml(&[]).unwrap()));
        let a = compiled.extract_text(text, None);
        assert!(a.entities.len() > 10, "{:?}", a.entities);
        assert_eq!(a, fresh.extract_text(text, None));
    }
}
