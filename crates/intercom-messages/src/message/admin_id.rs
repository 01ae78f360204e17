//! [`AdminId`]: the admin sending a message.

use std::str::FromStr;

use intercom_messages_api::types;

use crate::message::invalid::ValidationError;
use crate::text::clean;

/// An admin id: Intercom's admin ids are numbers. They are written as
/// integers in the versions of the contract's integer form (`AdminId|Number`
/// in the version table: every version), and as strings of digits elsewhere;
/// the same id is the same number in both.
///
/// ```
/// use intercom_messages::AdminId;
///
/// let from_config: AdminId = "394051".parse()?;
/// assert_eq!(from_config, AdminId::from(394051));
/// assert_eq!("007".parse::<AdminId>()?.get(), 7);
/// assert!("abc".parse::<AdminId>().is_err());
/// # Ok::<(), intercom_messages::InvalidAdminId>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AdminId(u64);

impl AdminId {
    /// The id as a number.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The admin a generated request names as its sender, or `None` for
    /// Intercom's default sender: an integer, or a string of digits, that
    /// fits a non-negative 64-bit integer.
    pub(crate) fn from_sender(
        from: Option<types::AdminSender>,
    ) -> Result<Option<AdminId>, ValidationError> {
        let out_of_range = |value: String| ValidationError::AdminIdOutOfRange { value };
        from.map(|f| match f.id {
            types::AdminId::Number(n) => u64::try_from(n)
                .map(AdminId::from)
                .map_err(|_| out_of_range(n.to_string())),
            types::AdminId::Digits(d) => {
                let digits = String::from(d);
                digits
                    .parse::<AdminId>()
                    .map_err(|_| out_of_range(clean(&digits)))
            }
        })
        .transpose()
    }
}

impl std::fmt::Display for AdminId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<u64> for AdminId {
    fn from(id: u64) -> Self {
        AdminId(id)
    }
}

/// Text that is not an admin id: an admin id is a non-empty string of ASCII
/// digits that fits in a 64-bit signed integer (the contract's `int64`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an admin id: expected a string of digits that fits in 63 bits")]
pub struct InvalidAdminId(pub(crate) String);

impl InvalidAdminId {
    /// The text that is not an admin id (control characters escaped, cut to 200 characters).
    pub fn input(&self) -> &str {
        &self.0
    }
}

impl FromStr for AdminId {
    type Err = InvalidAdminId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.trim();
        let bad = || InvalidAdminId(clean(s));
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        match digits.parse::<i64>() {
            Ok(n) => Ok(AdminId(n.unsigned_abs())),
            Err(_) => Err(bad()),
        }
    }
}
