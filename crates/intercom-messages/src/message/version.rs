//! [`Version`]: an Intercom API version of the contract, ordered as the
//! fragment's enum orders them (2.10 after 2.9), never as numbers.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use intercom_messages_api::availability::Availability;
use intercom_messages_api::types::IntercomVersion;
use intercom_messages_api::version_table::VERSIONS;

/// An Intercom API version, sent as the `Intercom-Version` header.
///
/// The list of versions comes from the contract (`openapi/messages.yaml`),
/// ending with [`Version::PREVIEW`], Intercom's rolling version: a moving
/// target whose contents change without a new name, as published when the
/// contract was last updated. Versions compare in release order:
///
/// ```
/// use intercom_messages::Version;
///
/// let v: Version = "2.10".parse()?;
/// assert!(v > Version::V2_9);
/// assert_eq!(v.to_string(), "2.10");
/// assert_eq!(Version::default(), Version::V2_14);
/// # Ok::<(), intercom_messages::UnknownVersion>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version(pub(crate) IntercomVersion);

// The constants (`Version::V1_0` ... `Version::ALL`, `LATEST`, `DEFAULT`) are
// generated from the fragment's enum into `contract.rs`.

impl Version {
    /// The header value, e.g. `"2.10"`.
    pub fn as_str(self) -> &'static str {
        VERSIONS[self.position()]
    }

    /// The position of this version in [`Version::ALL`] (oldest first), for
    /// indexing per-version data such as [`Availability`] rows.
    pub fn position(self) -> usize {
        self.0 as usize
    }

    /// Whether this version has the item a row of the generated version
    /// table describes (an [`Availability`], e.g. a row
    /// of `intercom_messages::api::version_table::TABLE`).
    pub fn has(self, item: Availability) -> bool {
        item.versions.contains(self.0)
    }

    /// The versions a row of the generated version table covers, oldest to
    /// newest.
    pub fn range_of(item: Availability) -> RangeInclusive<Version> {
        Version(item.versions.since)..=Version(item.versions.until)
    }
}

impl Default for Version {
    /// [`Version::DEFAULT`], the fragment's `x-intercom-default-version`. The
    /// facade always sends the header, so the app's default version on
    /// Intercom's side never silently changes the rules.
    fn default() -> Self {
        Version::DEFAULT
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({})", self.as_str())
    }
}

/// A string that is not one of the versions of the contract.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an Intercom API version this crate knows ({first} to {last})",
    first = Version::ALL[0],
    last = Version::LATEST
)]
pub struct UnknownVersion(pub(crate) String);

impl UnknownVersion {
    /// The text that named no version.
    pub fn input(&self) -> &str {
        &self.0
    }
}

impl FromStr for Version {
    type Err = UnknownVersion;

    /// A version's name, or another name of it from [`Version::ALIASES`]
    /// (`Unstable`, Intercom's name for `Preview` until April 2026, which
    /// some official SDKs still use), ignoring surrounding white space.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        if let Some((_, v)) = Version::ALIASES.iter().find(|(alias, _)| *alias == name) {
            return Ok(*v);
        }
        IntercomVersion::from_str(name)
            .map(Version)
            .map_err(|_| UnknownVersion(s.to_string()))
    }
}

impl From<Version> for IntercomVersion {
    fn from(v: Version) -> Self {
        v.0
    }
}
