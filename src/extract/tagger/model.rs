//! The trained model's bytes and a view that reads them where they lie: a 32-byte
//! header, the transition and start weights, one row of 8-bit weights per feature
//! hash bucket (one weight per tag), and the gazetteer table. Parsing checks sizes and
//! versions and copies nothing but the 90 transition and start weights.
//!
//! Layout (little-endian): magic `NWNER\0\0\x01`; u32 feature version; u32 entity
//! types (3: PER ORG LOC, 4: and MISC); u32 row bits; u32 lexicon bytes; f32 weight
//! scale; u32 reserved; f32 × 81 transitions (`from * 9 + to`); f32 × 9 start
//! weights; i8 × 2^bits × tags weights; the lexicon.

use super::decode::{MAX_TAGS, Scores, Transitions};
use super::features;
use super::lexicon::Lexicon;

const MAGIC: &[u8; 8] = b"NWNER\0\0\x01";
const HEADER: usize = 32;
const FLOATS: usize = (MAX_TAGS * MAX_TAGS + MAX_TAGS) * 4;

/// Why model bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Not a model file.
    #[error("not a newswatch tagger model (bad magic)")]
    Magic,
    /// Trained with other features than this build computes.
    #[error("model features version {found}, this build computes version {want}: retrain")]
    Version {
        /// In the file.
        found: u32,
        /// In this build.
        want: u32,
    },
    /// Sizes that do not add up.
    #[error("model file is malformed: {0}")]
    Malformed(&'static str),
}

/// A read-only view of a model's bytes.
#[derive(Debug, Clone)]
pub(crate) struct Model<'a> {
    bits: u32,
    scale: f32,
    pub(crate) transitions: Transitions,
    weights: &'a [u8],
    pub(crate) lexicon: Lexicon<'a>,
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn f32_at(b: &[u8], at: usize) -> Option<f32> {
    u32_at(b, at).map(f32::from_bits)
}

impl<'a> Model<'a> {
    /// Reads the model in `bytes`.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, ModelError> {
        if bytes.get(..8) != Some(MAGIC.as_slice()) {
            return Err(ModelError::Magic);
        }
        let field = |at| u32_at(bytes, at).ok_or(ModelError::Malformed("short header"));
        let version = field(8)?;
        if version != features::VERSION {
            return Err(ModelError::Version {
                found: version,
                want: features::VERSION,
            });
        }
        let types = field(12)? as usize;
        let bits = field(16)?;
        let lexicon_len = field(20)? as usize;
        let scale = f32::from_bits(field(24)?);
        if !(1..=4).contains(&types) || !(8..=24).contains(&bits) || !scale.is_finite() {
            return Err(ModelError::Malformed("header values out of range"));
        }
        let tags = 1 + 2 * types;
        let weights_len = (1usize << bits) * tags;
        let w_at = HEADER + FLOATS;
        if bytes.len() != w_at + weights_len + lexicon_len {
            return Err(ModelError::Malformed("length does not match the header"));
        }
        let mut transitions = Transitions {
            tags,
            trans: [0.0; MAX_TAGS * MAX_TAGS],
            start: [0.0; MAX_TAGS],
        };
        for (k, t) in transitions.trans.iter_mut().enumerate() {
            *t = f32_at(bytes, HEADER + 4 * k).ok_or(ModelError::Malformed("transitions"))?;
        }
        let start_at = HEADER + 4 * MAX_TAGS * MAX_TAGS;
        for (k, s) in transitions.start.iter_mut().enumerate() {
            *s = f32_at(bytes, start_at + 4 * k).ok_or(ModelError::Malformed("start"))?;
        }
        let lexicon = Lexicon::new(&bytes[w_at + weights_len..])
            .ok_or(ModelError::Malformed("lexicon is not a power-of-two table"))?;
        Ok(Model {
            bits,
            scale,
            transitions,
            weights: &bytes[w_at..w_at + weights_len],
            lexicon,
        })
    }

    /// Sets `out` to the summed weights of `features` (hashes), one score a tag.
    pub(crate) fn emissions(&self, features: &[u64], out: &mut Scores) {
        let tags = self.transitions.tags;
        // The row width as a constant, so each row is read and added as a whole
        // (vector code, no loop per tag). `parse` takes 1 to 4 entity types, so a
        // row has 3, 5, 7 or 9 weights.
        let sum = match tags {
            3 => sum_rows::<3>(self.weights, self.bits, features),
            5 => sum_rows::<5>(self.weights, self.bits, features),
            7 => sum_rows::<7>(self.weights, self.bits, features),
            _ => sum_rows::<MAX_TAGS>(self.weights, self.bits, features),
        };
        for (o, s) in out.iter_mut().zip(sum).take(tags) {
            *o = s as f32 * self.scale;
        }
    }
}

/// The weights of `features` summed per tag, in a table of `T`-byte rows.
fn sum_rows<const T: usize>(weights: &[u8], bits: u32, features: &[u64]) -> [i32; MAX_TAGS] {
    let mut acc = [0i32; T];
    for &f in features {
        if let Some(r) = weights
            .get(row(f, bits) * T..)
            .and_then(<[u8]>::first_chunk::<T>)
        {
            for (a, &w) in acc.iter_mut().zip(r) {
                *a += i32::from(w as i8);
            }
        }
    }
    let mut sum = [0i32; MAX_TAGS];
    for (s, a) in sum.iter_mut().zip(acc) {
        *s = a;
    }
    sum
}

/// The weight row of feature hash `f` in a table of 2^`bits` rows.
pub(crate) fn row(f: u64, bits: u32) -> usize {
    (f >> (64 - bits)) as usize
}

/// Serialises a model (see the module doc for the layout).
pub(crate) fn write(
    types: usize,
    bits: u32,
    scale: f32,
    transitions: &Transitions,
    weights: &[i8],
    lexicon: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + FLOATS + weights.len() + lexicon.len());
    out.extend_from_slice(MAGIC);
    for v in [
        features::VERSION,
        types as u32,
        bits,
        lexicon.len() as u32,
        scale.to_bits(),
        0,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in transitions.trans.iter().chain(&transitions.start) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend(weights.iter().map(|&w| w as u8));
    out.extend_from_slice(lexicon);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::tagger::lexicon;

    #[test]
    fn round_trip_and_refusals() {
        let mut tr = Transitions {
            tags: 7,
            trans: [0.0; MAX_TAGS * MAX_TAGS],
            start: [0.0; MAX_TAGS],
        };
        tr.trans[2] = -1.5;
        tr.start[1] = 0.25;
        let bits = 8;
        let mut weights = vec![0i8; (1 << bits) * 7];
        let f = 0xdead_beef_0000_0001u64;
        let r = row(f, bits);
        weights[r * 7 + 3] = 100;
        weights[r * 7] = -20;
        let lex = lexicon::build(&[("loc_countries.txt", "France\n")]);
        let bytes = write(3, bits, 0.5, &tr, &weights, &lex);
        let m = Model::parse(&bytes).unwrap();
        assert_eq!(m.transitions.tags, 7);
        assert_eq!(m.transitions.trans[2], -1.5);
        assert_eq!(m.transitions.start[1], 0.25);
        let mut s = [0.0; MAX_TAGS];
        m.emissions(&[f, f], &mut s);
        assert_eq!(s[3], 100.0);
        assert_eq!(s[0], -20.0);
        assert_ne!(m.lexicon.get(lexicon::word_key("france")), 0);

        assert_eq!(Model::parse(b"nope").unwrap_err(), ModelError::Magic);
        let mut old = bytes.clone();
        old[8] = old[8].wrapping_add(1);
        assert!(matches!(
            Model::parse(&old),
            Err(ModelError::Version { .. })
        ));
        assert!(matches!(
            Model::parse(&bytes[..bytes.len() - 1]),
            Err(ModelError::Malformed(_))
        ));
    }
}
