//! Messages from arbitrary structured input: validation never panics, an
//! accepted message encodes as the generated request type to JSON that decodes
//! back into it unchanged, and `validate` agrees with `to_request`.
#![no_main]

use arbitrary::Arbitrary;
use intercom_messages::api::types;
use intercom_messages::{
    AdminMessage, TemplateComponent, Contact, ContactKey, ContactType, Message, EmailTemplate, Version,
};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Kind {
    User,
    Lead,
    Contact,
}

#[derive(Arbitrary, Debug)]
enum Key {
    Id(String),
    UserId(String),
    Email(String),
}

#[derive(Arbitrary, Debug)]
struct Who(Kind, Key);

#[derive(Arbitrary, Debug)]
enum Input {
    Admin {
        id: u64,
        to: Vec<Who>,
        cc: Vec<Who>,
        bcc: Vec<Who>,
        email: Option<String>,
        body: String,
        personal: Option<bool>,
        created_at: Option<i64>,
        open: bool,
    },
    User {
        from: Who,
        body: String,
        referer: Option<String>,
    },
    WhatsApp {
        id: u64,
        contacts: Vec<Who>,
        phone: String,
        name: String,
        template: String,
        locale: Option<String>,
        components: Vec<(String, Vec<String>)>,
    },
    Sms {
        id: u64,
        to: Vec<Who>,
        body: String,
    },
}

fn contact(w: Who) -> Contact {
    let t = match w.0 {
        Kind::User => ContactType::User,
        Kind::Lead => ContactType::Lead,
        Kind::Contact => ContactType::Contact,
    };
    let k = match w.1 {
        Key::Id(s) => ContactKey::Id(s),
        Key::UserId(s) => ContactKey::UserId(s),
        Key::Email(s) => ContactKey::Email(s),
    };
    Contact::new(t, k)
}

fn build(input: Input) -> Message {
    match input {
        Input::Admin {
            id,
            to,
            cc,
            bcc,
            email,
            body,
            personal,
            created_at,
            open,
        } => {
            let mut draft = Message::from_admin(id);
            for w in to {
                draft = draft.to(contact(w));
            }
            let rest = |mut m: AdminMessage<_>| -> Message {
                for w in cc {
                    m = m.cc(contact(w));
                }
                for w in bcc {
                    m = m.bcc(contact(w));
                }
                if let Some(t) = created_at {
                    m = m.created_at(t);
                }
                m.open_conversation(open).into()
            };
            match email {
                Some(subject) => {
                    let mut m = draft.email(subject, body);
                    if let Some(p) = personal {
                        m = m.template(if p {
                            EmailTemplate::Personal
                        } else {
                            EmailTemplate::Plain
                        });
                    }
                    rest(m.into_any())
                }
                None => rest(draft.in_app(body).into_any()),
            }
        }
        Input::WhatsApp {
            id,
            contacts,
            phone,
            name,
            template,
            locale,
            components,
        } => {
            let mut draft = Message::from_admin(id);
            for w in contacts {
                draft = draft.to(contact(w));
            }
            let mut m = draft.to_phone(phone, name).whatsapp(template);
            if let Some(l) = locale {
                m = m.locale(l);
            }
            for (kind, texts) in components {
                m = m.component(TemplateComponent::new(kind, texts));
            }
            m.into()
        }
        Input::Sms { id, to, body } => {
            let mut draft = Message::from_admin(id);
            for w in to {
                draft = draft.to(contact(w));
            }
            draft.sms(body).into()
        }
        Input::User {
            from,
            body,
            referer,
        } => {
            let m = Message::from_contact(contact(from)).body(body);
            match referer {
                Some(r) => m.referer(r).into(),
                None => m.into(),
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let message = build(input);
    for &v in Version::ALL {
        match message.to_request(v) {
            Ok(request) => {
                assert!(message.validate(v).is_ok());
                let bytes = serde_json::to_vec(&request).unwrap();
                let back: types::CreateMessageRequest = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(
                    serde_json::to_value(back).unwrap(),
                    serde_json::to_value(&request).unwrap(),
                    "{v}"
                );
            }
            Err(e) => assert_eq!(message.validate(v).unwrap_err(), e),
        }
    }
});
