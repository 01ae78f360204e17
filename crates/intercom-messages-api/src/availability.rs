//! The types of the generated version table: which API versions have an item.

use crate::types::IntercomVersion;

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
    /// A required property that may be omitted in these versions, e.g.
    /// `AdminMessageRequest.from?` (Intercom's default sender is used).
    Optional,
}

/// An inclusive range of versions, by name: adding a version to the
/// contract changes only the rows whose range it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VersionRange {
    /// The first version that has the item.
    pub since: IntercomVersion,
    /// The last version that has the item.
    pub until: IntercomVersion,
}

impl VersionRange {
    /// Whether `version` is in the range.
    pub const fn contains(self, version: IntercomVersion) -> bool {
        self.first() <= version as usize && version as usize <= self.last()
    }

    /// The position of the first version in
    /// [`VERSIONS`](crate::version_table::VERSIONS).
    pub const fn first(self) -> usize {
        self.since as usize
    }

    /// The position of the last version in
    /// [`VERSIONS`](crate::version_table::VERSIONS).
    pub const fn last(self) -> usize {
        self.until as usize
    }
}

// `VersionRange::ALL`, `first_version`, `last_version` and `Display` are
// generated beside `VERSIONS` (version_table.rs), which they read.

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
