//! The NHS number: ten digits, the last a modulus-11 check digit.

use std::fmt;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    #[error("must be ten digits (spaces allowed between groups)")]
    NotTenDigits,
    #[error("fails its check digit: it has been mistyped, or is not an NHS number")]
    BadCheckDigit,
}

/// A valid NHS number, held as ten digits without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct NhsNumber(String);

serialize_as_str!(NhsNumber);

impl NhsNumber {
    /// Accepts `9434765919` or `943 476 5919`.
    pub fn parse(s: &str) -> Result<Self, NhsNumberError> {
        let digits: String = s.chars().filter(|c| *c != ' ').collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NhsNumberError::NotTenDigits);
        }
        let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let (body, check) = values.split_at(9);
        let sum: u32 = body.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
        let expected = match 11 - sum % 11 {
            11 => 0,
            10 => return Err(NhsNumberError::BadCheckDigit),
            n => n,
        };
        if check != [expected] {
            return Err(NhsNumberError::BadCheckDigit);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> String {
        n.0
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests;
