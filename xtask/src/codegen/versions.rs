//! The version list of the `Intercom-Version` enum (numbered versions such as
//! `2.16` and named ones such as `Preview`) and the version ranges of the
//! vendor extensions, compared by position in that list, never as numbers.

use serde_json::Value;

/// The versions, in the order of the fragment's enum, the facade's default,
/// and other names of versions (`x-intercom-version-aliases`).
#[derive(Clone, Debug)]
pub struct VersionList(Vec<String>, usize, Vec<(String, usize)>);

/// An inclusive range of versions, as positions in the [`VersionList`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// Position of the first version that has the item.
    pub first: usize,
    /// Position of the last version that has the item.
    pub last: usize,
}

impl VersionList {
    /// Reads the enum of the `IntercomVersion` schema, its default version
    /// and its aliases.
    pub fn from_spec(raw: &Value) -> Result<Self, String> {
        let schema = raw
            .pointer("/components/schemas/IntercomVersion")
            .ok_or("at `components.schemas.IntercomVersion`: missing")?;
        let out = version_enum(schema)?;
        let default = default_version(schema, &out)?;
        let aliases = version_aliases(schema, &out)?;
        Ok(Self(out, default, aliases))
    }

    /// Other names of versions, each with the position of the version it
    /// names (`Unstable` for `Preview`).
    pub fn aliases(&self) -> &[(String, usize)] {
        &self.2
    }

    /// The version a client sends unless told otherwise
    /// (`x-intercom-default-version`; the newest when absent).
    pub fn default_version(&self) -> &str {
        &self.0[self.1]
    }

    /// How many versions there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true for a loaded list.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The versions, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The newest version with a number (`2.16`), before the named ones
    /// such as `Preview`.
    pub fn newest_numbered(&self) -> Option<&str> {
        self.iter().filter(|v| is_numbered(v)).last()
    }

    /// The position of a version, if the list has it.
    pub fn position(&self, v: &str) -> Option<usize> {
        self.0.iter().position(|x| x == v)
    }

    /// Reads `{since: V, until: V}` (both inclusive, both optional).
    pub fn parse_range(&self, v: &Value) -> Result<Range, String> {
        let obj = v
            .as_object()
            .ok_or("a version range is a map {since, until}")?;
        if let Some(k) = obj
            .keys()
            .find(|k| !["since", "until", "evidence"].contains(&k.as_str()))
        {
            return Err(format!(
                "unknown key `{k}` in a version range (since, until, evidence)"
            ));
        }
        let bound = |k: &str, default: usize| -> Result<usize, String> {
            match obj.get(k) {
                None => Ok(default),
                Some(Value::String(s)) => self.position(s).ok_or_else(|| {
                    format!("`{k}: {s}` is not a version of the Intercom-Version enum")
                }),
                Some(other) => Err(format!("`{k}: {other}` must be a quoted version string")),
            }
        };
        let first = bound("since", 0)?;
        let last = bound("until", self.len() - 1)?;
        if first > last {
            return Err(format!(
                "`since: {}` comes after `until: {}`",
                self.0[first], self.0[last]
            ));
        }
        Ok(Range { first, last })
    }

    /// `2.11–2.14`, `2.14 only`, `1.0–2.5`.
    pub fn describe(&self, r: Range) -> String {
        if r.first == r.last {
            format!("{} only", self.0[r.first])
        } else {
            self.span(r)
        }
    }

    /// `2.11–2.14`, `2.14`: as the generated `VersionRange` shows a range.
    pub fn span(&self, r: Range) -> String {
        if r.first == r.last {
            self.0[r.first].clone()
        } else {
            format!("{}–{}", self.0[r.first], self.0[r.last])
        }
    }
}

/// Whether `v` is written as a numbered version (`2.16`), not a name.
pub fn is_numbered(v: &str) -> bool {
    key(v).is_some()
}

/// `2.10` → `(2, 10)`; a named version such as `Preview` has none.
fn key(v: &str) -> Option<(u64, u64)> {
    let (a, b) = v.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

impl Range {
    /// Whether the version at `position` is in the range.
    pub fn contains(self, position: usize) -> bool {
        self.first <= position && position <= self.last
    }
}

/// The versions of the enum, checked: each a quoted `MAJOR.MINOR` or a name,
/// listed once, numbered ones rising along the enum.
fn version_enum(schema: &Value) -> Result<Vec<String>, String> {
    let at = "components.schemas.IntercomVersion.enum";
    let values = schema
        .get("enum")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("at `{at}`: missing"))?;
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let s = v.as_str().ok_or_else(|| {
            format!("at `{at}`: {v} is not a string (quote versions: 2.10 is not 2.1)")
        })?;
        let numbered = s.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty() && !b.is_empty() && (a.to_owned() + b).bytes().all(|c| c.is_ascii_digit())
        });
        let named = !s.is_empty()
            && s.starts_with(|c: char| c.is_ascii_uppercase())
            && s.bytes().all(|c| c.is_ascii_alphanumeric());
        if !numbered && !named {
            return Err(format!(
                "at `{at}`: `{s}` is neither a MAJOR.MINOR version nor a name such as `Preview`"
            ));
        }
        if out.iter().any(|o| o == s) {
            return Err(format!("at `{at}`: `{s}` is listed twice"));
        }
        // The enum's order is the versions' order. As a check on typing
        // mistakes only, numbered versions must rise along it.
        if numbered
            && let Some(prev) = out.iter().rev().find(|p| key(p).is_some())
            && key(prev) >= key(s)
        {
            return Err(format!(
                "at `{at}`: `{s}` must come after `{prev}` (oldest first)"
            ));
        }
        out.push(s.to_string());
    }
    if out.is_empty() {
        return Err(format!("at `{at}`: no versions"));
    }
    Ok(out)
}

/// `x-intercom-default-version`: its position (the newest when absent).
fn default_version(schema: &Value, versions: &[String]) -> Result<usize, String> {
    let at = "components.schemas.IntercomVersion.x-intercom-default-version";
    match schema.get("x-intercom-default-version") {
        None => Ok(versions.len() - 1),
        Some(Value::String(s)) => versions
            .iter()
            .position(|v| v == s)
            .ok_or_else(|| format!("at `{at}`: `{s}` is not a version of the enum")),
        Some(other) => Err(format!("at `{at}`: {other} must be a quoted version")),
    }
}

/// `x-intercom-version-aliases`: each alias with the position it names.
fn version_aliases(schema: &Value, versions: &[String]) -> Result<Vec<(String, usize)>, String> {
    let at = "components.schemas.IntercomVersion.x-intercom-version-aliases";
    let map = match schema.get("x-intercom-version-aliases") {
        None => return Ok(Vec::new()),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(format!(
                "at `{at}`: {other} must be a map {{alias: version}}"
            ));
        }
    };
    let mut out = Vec::new();
    for (alias, target) in map {
        let position = target
            .as_str()
            .and_then(|t| versions.iter().position(|v| v == t))
            .ok_or_else(|| format!("at `{at}.{alias}`: {target} is not a version of the enum"))?;
        if versions.iter().any(|v| v == alias) {
            return Err(format!("at `{at}`: `{alias}` is a version, not an alias"));
        }
        out.push((alias.clone(), position));
    }
    Ok(out)
}
