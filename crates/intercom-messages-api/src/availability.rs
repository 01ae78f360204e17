//! The types of the generated version table: which API versions have an item.

use crate::version_table::VERSIONS;

/// What kind of item of the contract a row of the version table is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// A whole named schema, e.g. a union member such as `RecipientByEmail`.
    Schema,
    /// A property of an object, e.g. `AdminMessageRequest.cc`.
    Property,
    /// An inline member of a `oneOf`, e.g. `Recipients|List`.
    UnionMember,
    /// One value of a string enum, e.g. `ContactType=lead`.
    EnumValue,
    /// The items of an array.
    Items,
}

/// An inclusive range of versions, as positions in [`VERSIONS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// Position of the first version that has the item.
    pub first: usize,
    /// Position of the last version that has the item.
    pub last: usize,
}

impl VersionRange {
    /// Every version of the contract.
    pub const ALL: Self = Self {
        first: 0,
        last: VERSIONS.len() - 1,
    };

    /// Whether the version at `position` in [`VERSIONS`] is in the range.
    pub const fn contains(self, position: usize) -> bool {
        self.first <= position && position <= self.last
    }

    /// The first version of the range, e.g. `"2.11"`.
    pub fn first_version(self) -> &'static str {
        VERSIONS[self.first]
    }

    /// The last version of the range, e.g. `"2.14"`.
    pub fn last_version(self) -> &'static str {
        VERSIONS[self.last]
    }
}

impl std::fmt::Display for VersionRange {
    /// `2.14`, `2.11–2.14`, `1.0–2.5`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.last {
            f.write_str(self.first_version())
        } else {
            write!(f, "{}–{}", self.first_version(), self.last_version())
        }
    }
}

/// One row of the version table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Availability {
    /// Where the item is in the fragment: `Schema.property`, `Schema|Member`, `Schema=value`.
    pub item: &'static str,
    /// What kind of item it is.
    pub kind: ItemKind,
    /// The versions that have it.
    pub versions: VersionRange,
    /// Whether the item is part of the request body (a client must not send it
    /// outside `versions`); otherwise it describes responses.
    pub request: bool,
}
