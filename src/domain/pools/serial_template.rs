//! Random serial numbers (EU FMD, Delegated Regulation 2016/161 Art. 4): at most 20 characters,
//! drawn so that the probability of guessing one in use is below 1 in 10 000.
//!
//! A random guess of a serial of a GTIN hits one in use with probability `in_use / space`, where
//! `space` is the number of serials the template can produce. A generation is refused when it
//! would leave `space < MIN_GUESS_FACTOR × in_use`. `in_use` counts every serial the GTIN holds —
//! pooled, commissioned, decommissioned and external — because a guess that hits any of them is a
//! hit.

use rand::{CryptoRng, Rng};

use crate::domain::gs1::SerialNumber;

/// The space of serials must be at least this many times larger than the serials in use: EU FMD's
/// "lower than 1 in 10 000".
pub const MIN_GUESS_FACTOR: u128 = 10_000;

/// Which characters a generated serial uses. Both are subsets of GS1 character set 82 that print
/// and read back unambiguously on a carton: no punctuation, and no lower case, so that a serial
/// typed from a label by a pharmacist means the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerialAlphabet {
    /// `0-9`: 10 symbols.
    Numeric,
    /// `0-9A-Z`: 36 symbols.
    Alphanumeric,
}

impl SerialAlphabet {
    fn symbols(self) -> &'static [u8] {
        match self {
            SerialAlphabet::Numeric => b"0123456789",
            SerialAlphabet::Alphanumeric => b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        }
    }

    /// The text form used in product settings and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            SerialAlphabet::Numeric => "numeric",
            SerialAlphabet::Alphanumeric => "alphanumeric",
        }
    }

    /// The alphabet of a text form, if it is one.
    pub fn parse(s: &str) -> Option<SerialAlphabet> {
        match s {
            "numeric" => Some(SerialAlphabet::Numeric),
            "alphanumeric" => Some(SerialAlphabet::Alphanumeric),
            _ => None,
        }
    }
}

/// How the serials of a product are generated: an alphabet and a fixed length (1-20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SerialTemplate {
    alphabet: SerialAlphabet,
    length: u8,
}

/// Why a generation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerationRefused {
    #[error("serial length must be 1 to 20, got {0}")]
    Length(usize),
    #[error(
        "generating {requested} more serials would leave {space} possible serials for \
         {in_use_after} in use; EU FMD requires the space to be at least {factor} times larger \
         (use a longer or alphanumeric serial template)",
        factor = MIN_GUESS_FACTOR
    )]
    Guessable {
        requested: u64,
        in_use_after: u128,
        space: u128,
    },
}

impl SerialTemplate {
    /// A new product's template: numeric (what most lines print), 16 digits — room for 10^12
    /// serials in use per GTIN under the 1-in-10 000 rule (docs/pools.md).
    pub const DEFAULT: SerialTemplate = SerialTemplate {
        alphabet: SerialAlphabet::Numeric,
        length: 16,
    };

    /// A template; the length must be 1-20 (GS1 AI 21).
    pub fn new(
        alphabet: SerialAlphabet,
        length: usize,
    ) -> Result<SerialTemplate, GenerationRefused> {
        if !(1..=20).contains(&length) {
            return Err(GenerationRefused::Length(length));
        }
        Ok(SerialTemplate {
            alphabet,
            length: length as u8,
        })
    }

    pub fn alphabet(self) -> SerialAlphabet {
        self.alphabet
    }

    pub fn length(self) -> usize {
        usize::from(self.length)
    }

    /// How many different serials the template can produce. 36^20 ≈ 1.3 × 10^31 fits a u128.
    pub fn space(self) -> u128 {
        (self.alphabet.symbols().len() as u128).pow(u32::from(self.length))
    }

    /// Refuses a generation of `requested` serials for a GTIN that already holds `in_use` serials
    /// when afterwards a random guess would hit one in use with probability 1/10 000 or more.
    pub fn check_guessability(self, in_use: u64, requested: u64) -> Result<(), GenerationRefused> {
        let in_use_after = u128::from(in_use) + u128::from(requested);
        let space = self.space();
        // space ≥ factor × in_use_after, in integers: no rounding can let a generation through.
        match in_use_after.checked_mul(MIN_GUESS_FACTOR) {
            Some(needed) if needed <= space => Ok(()),
            _ => Err(GenerationRefused::Guessable {
                requested,
                in_use_after,
                space,
            }),
        }
    }

    /// One serial drawn uniformly from the template's space. `gen_range` rejects biased samples,
    /// so every symbol is equally likely; the generator must be cryptographically secure.
    pub fn draw<R: Rng + CryptoRng>(self, rng: &mut R) -> SerialNumber {
        let symbols = self.alphabet.symbols();
        let text: String = (0..self.length)
            .map(|_| char::from(symbols[rng.gen_range(0..symbols.len())]))
            .collect();
        SerialNumber::parse(&text).expect("template alphabets are subsets of character set 82")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::{OsRng, StdRng};
    use rand::SeedableRng;
    use std::collections::HashMap;

    #[test]
    fn space_is_symbols_to_the_length() {
        let t = |a, n| SerialTemplate::new(a, n).unwrap().space();
        assert_eq!(t(SerialAlphabet::Numeric, 1), 10);
        assert_eq!(t(SerialAlphabet::Numeric, 12), 1_000_000_000_000);
        assert_eq!(t(SerialAlphabet::Alphanumeric, 2), 1_296);
        assert_eq!(
            t(SerialAlphabet::Alphanumeric, 20),
            13_367_494_538_843_734_067_838_845_976_576
        );
    }

    #[test]
    fn length_must_be_one_to_twenty() {
        assert_eq!(
            SerialTemplate::new(SerialAlphabet::Numeric, 0),
            Err(GenerationRefused::Length(0))
        );
        assert_eq!(
            SerialTemplate::new(SerialAlphabet::Numeric, 21),
            Err(GenerationRefused::Length(21))
        );
        assert!(SerialTemplate::new(SerialAlphabet::Numeric, 20).is_ok());
    }

    #[test]
    fn guessability_refuses_exactly_past_one_in_ten_thousand() {
        // 8 numeric digits: 10^8 serials, so at most 10^8 / 10^4 = 10 000 may be in use.
        let t = SerialTemplate::new(SerialAlphabet::Numeric, 8).unwrap();
        assert_eq!(t.check_guessability(0, 10_000), Ok(()));
        assert_eq!(t.check_guessability(9_999, 1), Ok(()));
        assert_eq!(
            t.check_guessability(9_999, 2),
            Err(GenerationRefused::Guessable {
                requested: 2,
                in_use_after: 10_001,
                space: 100_000_000
            })
        );
        // A million packs of one GTIN need at least 10^10: 10 numeric digits, or 7 alphanumeric
        // characters (36^7 ≈ 7.8 × 10^10).
        let numeric_10 = SerialTemplate::new(SerialAlphabet::Numeric, 10).unwrap();
        assert!(numeric_10.check_guessability(0, 1_000_000).is_ok());
        assert!(numeric_10.check_guessability(1, 1_000_000).is_err());
        let alnum_7 = SerialTemplate::new(SerialAlphabet::Alphanumeric, 7).unwrap();
        assert!(alnum_7.check_guessability(0, 1_000_000).is_ok());
        let alnum_6 = SerialTemplate::new(SerialAlphabet::Alphanumeric, 6).unwrap();
        assert!(alnum_6.check_guessability(0, 1_000_000).is_err());
    }

    #[test]
    fn guessability_never_overflows() {
        let t = SerialTemplate::new(SerialAlphabet::Alphanumeric, 20).unwrap();
        assert!(t.check_guessability(u64::MAX, u64::MAX).is_ok());
        let tiny = SerialTemplate::new(SerialAlphabet::Numeric, 1).unwrap();
        assert!(tiny.check_guessability(u64::MAX, u64::MAX).is_err());
        assert!(tiny.check_guessability(0, 1).is_err());
    }

    #[test]
    fn the_refusal_says_what_to_do() {
        let t = SerialTemplate::new(SerialAlphabet::Numeric, 4).unwrap();
        let message = t.check_guessability(0, 5).unwrap_err().to_string();
        assert_eq!(
            message,
            "generating 5 more serials would leave 10000 possible serials for 5 in use; EU FMD \
             requires the space to be at least 10000 times larger (use a longer or alphanumeric \
             serial template)"
        );
    }

    #[test]
    fn drawn_serials_have_the_template_shape() {
        for (alphabet, allowed) in [
            (SerialAlphabet::Numeric, "0123456789"),
            (
                SerialAlphabet::Alphanumeric,
                "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            ),
        ] {
            let t = SerialTemplate::new(alphabet, 20).unwrap();
            for _ in 0..200 {
                let s = t.draw(&mut OsRng);
                assert_eq!(s.as_str().len(), 20);
                assert!(s.as_str().chars().all(|c| allowed.contains(c)), "{s}");
            }
        }
    }

    #[test]
    fn every_symbol_is_drawn_about_equally_often() {
        // 360 000 symbols: each of the 36 expected 10 000 times (σ ≈ 98). The bias of
        // `byte % 36`, which favours the first 4 symbols by 8/7, would put them near 11 430.
        // A seeded CSPRNG (ChaCha) keeps the test fast and its outcome fixed; the property under
        // test is the sampling, not the generator.
        let mut rng = StdRng::seed_from_u64(20161610);
        let t = SerialTemplate::new(SerialAlphabet::Alphanumeric, 20).unwrap();
        let mut counts: HashMap<char, u32> = HashMap::new();
        for _ in 0..18_000 {
            for c in t.draw(&mut rng).as_str().chars() {
                *counts.entry(c).or_default() += 1;
            }
        }
        assert_eq!(counts.len(), 36);
        for (c, n) in counts {
            assert!((9_500..=10_500).contains(&n), "{c} drawn {n} times");
        }
    }

    #[test]
    fn alphabet_text_round_trips() {
        for a in [SerialAlphabet::Numeric, SerialAlphabet::Alphanumeric] {
            assert_eq!(SerialAlphabet::parse(a.as_str()), Some(a));
        }
        assert_eq!(SerialAlphabet::parse("Numeric"), None);
    }
}
