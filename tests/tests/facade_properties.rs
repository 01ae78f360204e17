//! Properties of the facade against the contract: whatever it accepts for a
//! version is valid JSON for the fragment's request schema as it stands in that
//! version; whatever it refuses is never encoded, and a version rule's claim
//! about which versions allow the thing is true.

use intercom_messages::api::types;
use intercom_messages::{
    AdminMessage, ChannelKind, Contact, ContactKey, ContactType, EmailTemplate, Message,
    ValidationError, Version,
};
use intercom_messages_tests::{Strictness, violations};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => Just("  ".to_string()),
        4 => Just("Hello there".to_string()),
        1 => Just("<p>Hi</p>".to_string()),
        1 => Just("a < b > c".to_string()),
        4 => "[a-z0-9]{1,12}",
    ]
}

fn contact() -> impl Strategy<Value = Contact> {
    let ty = prop_oneof![
        3 => Just(ContactType::User),
        1 => Just(ContactType::Lead),
        1 => Just(ContactType::Contact),
    ];
    let key = prop_oneof![
        3 => text().prop_map(ContactKey::Id),
        3 => text().prop_map(ContactKey::UserId),
        1 => text().prop_map(ContactKey::Email),
    ];
    (ty, key).prop_map(|(t, k)| Contact::new(t, k))
}

fn version() -> impl Strategy<Value = Version> {
    (0..Version::ALL.len()).prop_map(|i| Version::ALL[i])
}

fn admin_id() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => Just(394051u64),
        1 => Just(0u64),
        1 => Just(u64::MAX),
        2 => any::<u64>(),
    ]
}

prop_compose! {
    fn admin()(
        id in admin_id(),
        to in prop_oneof![1 => prop::collection::vec(contact(), 0..1), 6 => prop::collection::vec(contact(), 1..2), 2 => prop::collection::vec(contact(), 2..4)],
        cc in prop_oneof![4 => Just(Vec::new()), 1 => prop::collection::vec(contact(), 1..3)],
        bcc in prop_oneof![4 => Just(Vec::new()), 1 => prop::collection::vec(contact(), 1..3)],
        email in any::<bool>(),
        subject in text(),
        body in text(),
        template in prop_oneof![3 => Just(None), 1 => Just(Some(EmailTemplate::Plain)), 1 => Just(Some(EmailTemplate::Personal))],
        created_at in prop_oneof![3 => Just(None), 1 => (-5i64..2_000_000_000).prop_map(Some)],
        open in prop::bool::weighted(0.25),
    ) -> Message {
        let mut draft = Message::from_admin(id);
        for c in to { draft = draft.to(c); }
        fn common<C: ChannelKind>(mut m: AdminMessage<C>, cc: Vec<Contact>, bcc: Vec<Contact>, created_at: Option<i64>, open: bool) -> Message {
            for c in cc { m = m.cc(c); }
            for c in bcc { m = m.bcc(c); }
            if let Some(t) = created_at { m = m.created_at(t); }
            m.open_conversation(open).into()
        }
        if email {
            let mut m = draft.email(subject, body);
            if let Some(t) = template { m = m.template(t); }
            common(m, cc, bcc, created_at, open)
        } else {
            common(draft.in_app(body), cc, bcc, created_at, open)
        }
    }
}

prop_compose! {
    fn user()(from in contact(), body in text(), referer in prop::option::of(text())) -> Message {
        let m = Message::from_contact(from).body(body);
        match referer { Some(r) => m.referer(r).into(), None => m.into() }
    }
}

fn phone() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("+4915112345678".to_string()),
        2 => "\\+?[1-9][0-9]{7,14}",
        1 => "[0-9 +]{0,18}",
    ]
}

prop_compose! {
    fn whatsapp()(
        id in admin_id(),
        contacts in prop_oneof![6 => Just(Vec::new()), 1 => prop::collection::vec(contact(), 1..2)],
        phone in phone(),
        name in text(),
        template in prop_oneof![4 => Just("keep_live".to_string()), 1 => text()],
        locale in prop::option::of(prop_oneof![Just("en".to_string()), text()]),
        texts in prop::collection::vec(text(), 0..3),
    ) -> Message {
        let mut draft = Message::from_admin(id);
        for c in contacts { draft = draft.to(c); }
        let m = draft.to_phone(phone, name).whatsapp(template).body_text(texts);
        match locale { Some(l) => m.locale(l).into(), None => m.into() }
    }
}

prop_compose! {
    fn sms()(
        id in admin_id(),
        to in prop::collection::vec(contact(), 0..3),
        body in text(),
    ) -> Message {
        let mut draft = Message::from_admin(id);
        for c in to { draft = draft.to(c); }
        draft.sms(body).into()
    }
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![3 => admin(), 3 => user(), 1 => whatsapp(), 1 => sms()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn accepted_messages_fit_the_contract_of_their_version(m in message(), v in version()) {
        match m.to_request(v) {
            Ok(request) => {
                let json = serde_json::to_value(&request).unwrap();
                let errors = violations(xtask::project::REQUEST_ROOT, v.position(), Strictness::Closed, &json);
                prop_assert!(errors.is_empty(), "{v}: {json}\n{errors:#?}");
                // And it decodes back into the generated type unchanged.
                let back: types::CreateMessageRequest = serde_json::from_value(json.clone()).unwrap();
                prop_assert_eq!(serde_json::to_value(back).unwrap(), json);
            }
            Err(e) => {
                // Validation alone gives the same error.
                prop_assert_eq!(m.validate(v).unwrap_err(), e.clone());
                // A version rule names versions that really are other than this one.
                let range = match &e {
                    ValidationError::FieldNotInVersion { available, version, .. }
                    | ValidationError::RecipientListNotInVersion { available, version, .. }
                    | ValidationError::ContactTypeNotInVersion { available, version, .. }
                    | ValidationError::MessageNotInVersion { available, version, .. } => {
                        prop_assert_eq!(*version, v);
                        Some(available.clone())
                    }
                    _ => None,
                };
                if let Some(r) = range {
                    prop_assert!(!r.contains(&v), "{e}");
                }
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}

/// The property above only means something if the generator reaches accepted
/// messages of both kinds in every version; count them.
#[test]
fn the_generator_reaches_accepted_messages_in_every_version() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut accepted = vec![(0usize, 0usize); Version::ALL.len()];
    let mut others = vec![(0usize, 0usize); Version::ALL.len()];
    for _ in 0..4000 {
        let m = message().new_tree(&mut runner).unwrap().current();
        for &v in Version::ALL {
            if m.to_request(v).is_ok() {
                let slot = &mut accepted[v.position()];
                let other = &mut others[v.position()];
                match m {
                    Message::Admin(_) => slot.0 += 1,
                    Message::User(_) => slot.1 += 1,
                    Message::WhatsApp(_) => other.0 += 1,
                    Message::Sms(_) => other.1 += 1,
                    _ => unreachable!("the generator builds these four kinds"),
                }
            }
        }
    }
    for (v, (admin, user)) in Version::ALL.iter().zip(&accepted) {
        assert!(
            *admin >= 20 && *user >= 20,
            "{v}: {admin} admin, {user} user messages accepted"
        );
    }
    // WhatsApp and SMS are accepted in their versions, and only there.
    use intercom_messages::api::version_table as table;
    for (v, (whatsapp, sms)) in Version::ALL.iter().zip(&others) {
        assert_eq!(
            *whatsapp >= 20,
            v.has(table::WHATS_APP_MESSAGE_REQUEST),
            "{v}: {whatsapp}"
        );
        assert_eq!(
            *whatsapp == 0,
            !v.has(table::WHATS_APP_MESSAGE_REQUEST),
            "{v}"
        );
        assert_eq!(*sms >= 20, v.has(table::SMS_MESSAGE_REQUEST), "{v}: {sms}");
        assert_eq!(*sms == 0, !v.has(table::SMS_MESSAGE_REQUEST), "{v}");
    }
}
