//! [`Version`]: the contract's versions in release order, their aliases, and
//! what is refused.

use intercom_messages::Version;
use intercom_messages::api::types::IntercomVersion;
use intercom_messages::api::version_table::VERSIONS;

#[test]
fn versions_follow_the_contract_in_order() {
    let names: Vec<&str> = Version::ALL.iter().map(|v| v.as_str()).collect();
    assert_eq!(names, VERSIONS);
    for (i, v) in Version::ALL.iter().enumerate() {
        assert_eq!(v.position(), i);
        assert_eq!(v.to_string(), IntercomVersion::from(*v).to_string());
        assert_eq!(v.as_str().parse::<Version>().unwrap(), *v);
    }
    assert!(Version::ALL.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn an_alias_is_read_as_the_version_it_names() {
    // The aliases are the fragment's (`x-intercom-version-aliases`).
    assert!(!Version::ALIASES.is_empty(), "the fragment names no alias");
    for &(alias, version) in Version::ALIASES {
        assert_eq!(alias.parse::<Version>().unwrap(), version);
        assert_eq!(format!(" {alias} ").parse::<Version>().unwrap(), version);
        // What is sent is the version's own name, never the alias.
        assert_ne!(version.as_str(), alias);
        assert!(VERSIONS.contains(&version.as_str()));
    }
}

#[test]
fn two_ten_comes_after_two_nine() {
    assert!(Version::V2_10 > Version::V2_9);
    assert!(Version::V2_0 > Version::V1_4);
}

#[test]
fn unknown_versions_are_refused() {
    let latest = Version::LATEST;
    for bad in [
        format!("{latest}.0"),
        String::new(),
        format!("v{latest}"),
        // An alias is matched exactly, as versions are.
        Version::ALIASES[0].0.to_lowercase(),
        format!("9{latest}"),
    ] {
        let err = bad.parse::<Version>().unwrap_err();
        assert_eq!(err.input(), bad);
    }
}
