//! The facade's linear HTML check against two slow definitions: the current
//! rule written plainly (on any input), and the rule before it (on ordinary
//! text, where the two rules agree).

use intercom_messages::rules::find_html_tag;
use intercom_messages_tests::html::{legacy, reference};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Any text over the characters that matter: the same answer as the
    /// plain definition.
    #[test]
    fn equals_the_plain_definition(body in "[ab1<>/!@:\\- \n\"=]{0,40}") {
        prop_assert_eq!(find_html_tag(&body), reference(&body));
    }

    /// Ordinary text (words, comparisons, real tags, split over lines or
    /// not): the same answer as the definition before the check was made
    /// linear.
    #[test]
    fn equals_the_old_definition_on_ordinary_text(
        tokens in prop::collection::vec(prop_oneof![
            4 => Just("hello"),
            4 => Just(" "),
            1 => Just("a < b"),
            1 => Just("I <3 it"),
            1 => Just("=>"),
            1 => Just("x > y"),
            1 => Just("<p>"),
            1 => Just("</b>"),
            1 => Just("<br/>"),
            1 => Just("<a href=\"x\">"),
            1 => Just("<!-- c -->"),
            1 => Just("\n"),
        ], 0..12)
    ) {
        let body = tokens.concat();
        prop_assert_eq!(find_html_tag(&body), legacy(&body));
    }
}

#[test]
fn adversarial_bodies_are_answered() {
    // Each of these took the old check minutes at 1 MB; a hang here fails
    // the run by its time limit.
    for body in [
        "<a".repeat(500_000),
        "<a ".repeat(333_333),
        "<".repeat(1_000_000),
        format!("{}>", "<a\n".repeat(250_000)),
    ] {
        let found = find_html_tag(&body);
        assert_eq!(found, reference_tail(&body), "{}", &body[..20]);
    }
}

/// The plain definition is quadratic, so on the big bodies the expected
/// answer is worked out by hand: only the last shape has a tag.
fn reference_tail(body: &str) -> Option<&str> {
    body.ends_with('>').then(|| &body[body.len() - 4..])
}
