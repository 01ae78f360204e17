//! What users get from progenitor's output beyond its defaults:
//!
//! - `schemars::JsonSchema` is derived only with the client crate's
//!   `schemars` feature (the mock and the schema checks use it; a user's
//!   default build does not compile schemars);
//! - typify's struct builders (`types::builder`, and each type's
//!   `builder()`) are left out: neither the facade nor the raw client's
//!   callers need them (each kind of message has a generated `new`, the
//!   other types' fields are public), and they were half of the generated
//!   lines a user's build compiles. The request builder that took one
//!   (`search_conversations`) takes its body with `body(…)` only;
//! - every request builder is `#[must_use]`: a builder dropped unsent is a
//!   mistake;
//! - each kind of message and the answer are `#[non_exhaustive]`;
//! - progenitor's `Client::new`, which ends in an `unwrap()` on reqwest's
//!   build, is left out: the crate's `lib.rs` defines a `Client::new` that
//!   returns the error instead;
//! - a `pattern` is checked with `regex-lite` instead of `regress`:
//!   regress's Unicode tables made it the heaviest crate the facade added to
//!   a user's cold build, and the contract's patterns (ASCII classes,
//!   anchors, alternations of literals) mean the same in both; `cargo xtask
//!   codegen` compiles each one with regex-lite and fails when one does not;
//! - a pattern that fails to compile rejects every value instead of
//!   panicking (progenitor `unwrap()`s the regex).
//!
//! Every rewrite fails loudly when progenitor's output no longer has the
//! shape it expects, rather than silently doing nothing.

use syn::punctuated::Punctuated;
use syn::{Attribute, ImplItem, Item, Token};

/// The derive that moves behind the `schemars` feature.
const SCHEMA_DERIVE: &str = "schemars :: JsonSchema";

/// The schema of the answer to `POST /messages`.
pub const RESPONSE_ROOT: &str = "Message";

/// Applies the syntax-tree rewrites to progenitor's output;
/// `non_exhaustive_structs` are the structs of `types` marked
/// `#[non_exhaustive]` (see [`non_exhaustive`]).
pub fn rewrite(file: &mut syn::File, non_exhaustive_structs: &[String]) -> Result<(), String> {
    let mut derives = 0;
    let mut client_new = false;
    for item in &mut file.items {
        match item {
            Item::Mod(m) if m.ident == "types" => {
                let items = &mut m.content.as_mut().ok_or("empty `types` module")?.1;
                derives += optional_schemas(items)?;
                non_exhaustive(items, non_exhaustive_structs)?;
                without_type_builders(items)?;
            }
            Item::Mod(m) if m.ident == "builder" => {
                let items = &mut m.content.as_mut().ok_or("empty `builder` module")?.1;
                bodies_without_type_builders(items)?;
                must_use(items);
            }
            Item::Impl(i) if i.trait_.is_none() && is_client(&i.self_ty) => {
                let before = i.items.len();
                i.items
                    .retain(|it| !matches!(it, ImplItem::Fn(f) if f.sig.ident == "new"));
                client_new |= i.items.len() < before;
            }
            _ => {}
        }
    }
    if derives == 0 {
        return Err("no `schemars::JsonSchema` derive in progenitor's output".into());
    }
    if !client_new {
        return Err("no `Client::new` in progenitor's output; update xtask".into());
    }
    let text = quote::quote!(#file).to_string();
    if text.contains("types :: builder") {
        return Err("progenitor's output still names a type builder; update xtask".into());
    }
    Ok(())
}

/// Removes typify's `types::builder` module and each type's `builder()`
/// (an `impl` left empty goes too).
fn without_type_builders(items: &mut Vec<Item>) -> Result<(), String> {
    let before = items.len();
    items.retain(|i| !matches!(i, Item::Mod(m) if m.ident == "builder"));
    if items.len() + 1 != before {
        return Err("no `types::builder` module in progenitor's output; update xtask".into());
    }
    for item in items.iter_mut() {
        if let Item::Impl(i) = item
            && i.trait_.is_none()
        {
            i.items
                .retain(|it| !matches!(it, ImplItem::Fn(f) if f.sig.ident == "builder"));
        }
    }
    items.retain(|i| !matches!(i, Item::Impl(im) if im.trait_.is_none() && im.items.is_empty()));
    Ok(())
}

/// A request builder whose body progenitor keeps as a `types::builder` value
/// keeps the type itself: unset until `body(…)` (as a body without a type
/// builder is), and without `body_map`, which edits a type builder. `send`
/// still converts with `try_from`, the identity then.
fn bodies_without_type_builders(items: &mut [Item]) -> Result<(), String> {
    let fields = fields_without_type_builders(items)?;
    for item in items.iter_mut() {
        let Item::Impl(i) = item else { continue };
        let syn::Type::Path(p) = &*i.self_ty else {
            continue;
        };
        let Some(owner) = p.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        let owned: Vec<&syn::Ident> = fields
            .iter()
            .filter(|(o, _)| *o == owner)
            .map(|(_, f)| f)
            .collect();
        if i.trait_.is_none() && !owned.is_empty() {
            impl_without_type_builders(i, &owner, &owned)?;
        }
    }
    Ok(())
}

/// `types :: builder ::`, as a type naming a type builder prints.
const TYPE_BUILDER: &str = "types :: builder ::";

/// Each request builder's field that holds a type builder holds the type
/// instead; returns them as (request builder, field).
fn fields_without_type_builders(items: &mut [Item]) -> Result<Vec<(String, syn::Ident)>, String> {
    let mut fields = Vec::new();
    for item in items.iter_mut() {
        let Item::Struct(s) = item else { continue };
        for f in s.fields.iter_mut() {
            let ty = &f.ty;
            let text = quote::quote!(#ty).to_string();
            if text.contains(TYPE_BUILDER) {
                f.ty = syn::parse_str(&text.replace(TYPE_BUILDER, "types ::"))
                    .map_err(|e| format!("a request builder's field: {e}"))?;
                let ident = f
                    .ident
                    .clone()
                    .ok_or("a request builder with unnamed fields")?;
                fields.push((s.ident.to_string(), ident));
            }
        }
    }
    Ok(fields)
}

/// `owner`'s methods that name a type builder (`body_map`) go, and its `new`
/// leaves the `owned` fields unset.
fn impl_without_type_builders(
    i: &mut syn::ItemImpl,
    owner: &str,
    owned: &[&syn::Ident],
) -> Result<(), String> {
    i.items.retain(|it| match it {
        ImplItem::Fn(f) => {
            let sig = &f.sig;
            !quote::quote!(#sig).to_string().contains(TYPE_BUILDER)
        }
        _ => true,
    });
    let new = i
        .items
        .iter_mut()
        .find_map(|it| match it {
            ImplItem::Fn(f) if f.sig.ident == "new" => Some(f),
            _ => None,
        })
        .ok_or_else(|| format!("no `{owner}::new` in progenitor's output; update xtask"))?;
    let Some(syn::Stmt::Expr(syn::Expr::Struct(init), None)) = new.block.stmts.last_mut() else {
        return Err(format!(
            "`{owner}::new` does not end in `Self {{ .. }}`; update xtask"
        ));
    };
    for fv in init.fields.iter_mut() {
        if let syn::Member::Named(name) = &fv.member
            && owned.contains(&name)
        {
            let unset = format!("{name} was not initialized");
            fv.expr = syn::parse_quote!(Err(#unset.to_string()));
        }
    }
    Ok(())
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

/// Moves `schemars::JsonSchema` out of every derive into a
/// `cfg_attr(feature = "schemars", …)`; returns how many it moved.
fn optional_schemas(items: &mut [Item]) -> Result<usize, String> {
    let mut moved = 0;
    for item in items {
        let attrs = match item {
            Item::Struct(s) => &mut s.attrs,
            Item::Enum(e) => &mut e.attrs,
            Item::Mod(m) => {
                if let Some((_, inner)) = m.content.as_mut() {
                    moved += optional_schemas(inner)?;
                }
                continue;
            }
            _ => continue,
        };
        moved += usize::from(take_schema_derive(attrs)?);
    }
    Ok(moved)
}

fn take_schema_derive(attrs: &mut Vec<Attribute>) -> Result<bool, String> {
    for at in 0..attrs.len() {
        let a = &mut attrs[at];
        if !a.path().is_ident("derive") {
            continue;
        }
        let paths = a
            .parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
            .map_err(|e| format!("a derive progenitor wrote: {e}"))?;
        let is_schema = |p: &syn::Path| quote::quote!(#p).to_string() == SCHEMA_DERIVE;
        if !paths.iter().any(is_schema) {
            continue;
        }
        let kept: Vec<&syn::Path> = paths.iter().filter(|p| !is_schema(p)).collect();
        *a = syn::parse_quote!(#[derive(#(#kept),*)]);
        // Right after the derive, before any `#[serde]` it reads.
        attrs.insert(
            at + 1,
            syn::parse_quote!(#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]),
        );
        return Ok(true);
    }
    Ok(false)
}

/// `#[non_exhaustive]` on the structs whose change is not breaking by
/// intent: each kind of message (built with its generated `new`, so an
/// optional property Intercom adds breaks no caller) and the answer
/// ([`RESPONSE_ROOT`], decoded, never built by users). The other structs
/// hold required properties only (one gained breaks their callers anyway),
/// and the enums stay exhaustive: the facade matches every branch of the
/// request so that a new kind of message fails its build, not its users'.
fn non_exhaustive(items: &mut [Item], names: &[String]) -> Result<(), String> {
    for name in names {
        let st = items
            .iter_mut()
            .find_map(|i| match i {
                Item::Struct(s) if s.ident == name => Some(s),
                _ => None,
            })
            .ok_or_else(|| format!("no struct `{name}` in the generated client"))?;
        st.attrs.push(syn::parse_quote!(#[non_exhaustive]));
    }
    Ok(())
}

/// `#[must_use]` on every struct of a builder module.
fn must_use(items: &mut [Item]) {
    for item in items {
        if let Item::Struct(s) = item
            && !s.attrs.iter().any(|a| a.path().is_ident("must_use"))
        {
            s.attrs.push(syn::parse_quote!(#[must_use]));
        }
    }
}

/// Text rewrite of progenitor's pattern checks: the `regress::Regex` becomes
/// a `regex_lite::Regex`, the `LazyLock<Regex>` built with `unwrap()` becomes
/// a `LazyLock<Option<Regex>>`, and a value is accepted only when the pattern
/// compiled and matches. Fails when a pattern does not compile with
/// regex-lite (so the fallback never rejects a value the contract allows).
pub fn patterns_without_unwrap(code: &str) -> Result<String, String> {
    const LOCK: &str = "::std::sync::LazyLock<::regress::Regex>";
    const FIND: &str = "PATTERN.find(value).is_none()";
    const NEW: &str = "::regress::Regex::new(";
    let count = code.matches(NEW).count();
    if code.matches(LOCK).count() != count || code.matches(FIND).count() != count {
        return Err(format!(
            "progenitor's pattern checks changed shape (`{LOCK}`, `{FIND}`); update xtask"
        ));
    }
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find(NEW) {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let tail = &tail[NEW.len()..];
        let end = string_literal_end(tail)
            .ok_or("a `regress::Regex::new` without a string literal; update xtask")?;
        let literal: syn::LitStr =
            syn::parse_str(&tail[..end]).map_err(|e| format!("a pattern progenitor wrote: {e}"))?;
        regex_lite::Regex::new(&literal.value()).map_err(|e| {
            format!(
                "the pattern {:?} does not compile with regex-lite: {e}",
                literal.value()
            )
        })?;
        let after = tail[end..]
            .strip_prefix(").unwrap()")
            .ok_or("a `regress::Regex::new` not followed by `.unwrap()`; update xtask")?;
        out.push_str("::regex_lite::Regex::new(");
        out.push_str(&tail[..end]);
        out.push_str(").ok()");
        rest = after;
    }
    out.push_str(rest);
    Ok(out
        .replace(
            LOCK,
            "::std::sync::LazyLock<::std::option::Option<::regex_lite::Regex>>",
        )
        .replace(FIND, "!PATTERN.as_ref().is_some_and(|p| p.is_match(value))"))
}

/// The length of the string literal `text` starts with (`"…"`, escapes
/// included), or `None` when it does not start with one.
fn string_literal_end(text: &str) -> Option<usize> {
    let body = text.strip_prefix('"')?;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i + 2),
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_checked_by_regex_lite_without_unwrap() {
        let code = r#"static PATTERN: ::std::sync::LazyLock<::regress::Regex> = ::std::sync::LazyLock::new(||
            { ::regress::Regex::new("^\"(x)$").unwrap() });
            if PATTERN.find(value).is_none() {"#;
        let out = patterns_without_unwrap(code).unwrap();
        assert!(!out.contains("unwrap"), "{out}");
        assert!(!out.contains("regress"), "{out}");
        assert!(
            out.contains(r#"::regex_lite::Regex::new("^\"(x)$").ok()"#),
            "{out}"
        );
        assert!(out.contains("LazyLock<::std::option::Option<::regex_lite::Regex>>"));
        assert!(out.contains("!PATTERN.as_ref().is_some_and(|p| p.is_match(value))"));
    }

    #[test]
    fn a_pattern_regex_lite_cannot_compile_is_an_error() {
        // A lookahead: ECMA-262 has it, regex-lite does not.
        let code = r#"static PATTERN: ::std::sync::LazyLock<::regress::Regex> = ::std::sync::LazyLock::new(||
            { ::regress::Regex::new("^(?=a)a$").unwrap() });
            if PATTERN.find(value).is_none() {"#;
        let err = patterns_without_unwrap(code).unwrap_err();
        assert!(err.contains("regex-lite"), "{err}");
    }

    #[test]
    fn type_builders_are_left_out_and_a_body_is_the_type_itself() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(Clone, schemars::JsonSchema)]
                pub struct Req { pub q: i64 }
                impl Req { pub fn builder() -> builder::Req { Default::default() } }
                pub mod builder { pub struct Req { q: Result<i64, String> } }
            }
            pub mod builder {
                pub struct Op<'a> {
                    client: &'a super::Client,
                    body: Result<types::builder::Req, String>,
                }
                impl<'a> Op<'a> {
                    pub fn new(client: &'a super::Client) -> Self {
                        Self { client: client, body: Ok(::std::default::Default::default()) }
                    }
                    pub fn body_map<F>(mut self, f: F) -> Self
                    where F: FnOnce(types::builder::Req) -> types::builder::Req { self }
                    pub fn send(self) {}
                }
            }
            impl Client { pub fn new(baseurl: &str) -> Self { todo!() } }
        };
        rewrite(&mut file, &[]).unwrap();
        let text = quote::quote!(#file).to_string();
        assert!(!text.contains("builder :: Req"), "{text}");
        assert!(!text.contains("fn builder"), "{text}");
        assert!(!text.contains("body_map"), "{text}");
        assert!(
            text.contains("body : Result < types :: Req , String >"),
            "{text}"
        );
        assert!(
            text.contains("body : Err (\"body was not initialized\" . to_string ())"),
            "{text}"
        );
        assert!(text.contains("fn send"), "{text}");
    }

    #[test]
    fn a_changed_shape_is_an_error() {
        let code = r#"::regress::Regex::new("x").expect("y")"#;
        assert!(patterns_without_unwrap(code).is_err());
    }

    #[test]
    fn the_schema_derive_moves_behind_the_feature() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(Clone, schemars::JsonSchema, PartialEq)]
                pub struct A { x: i64 }
                pub mod builder { pub struct A { x: i64 } }
            }
            pub mod builder { pub struct Op { x: i64 } }
            impl Client { pub fn new(baseurl: &str) -> Self { todo!() } pub fn other() {} }
        };
        rewrite(&mut file, &["A".to_string()]).unwrap();
        let text = quote::quote!(#file).to_string();
        assert!(text.contains("# [derive (Clone , PartialEq)]"), "{text}");
        assert_eq!(text.matches("# [non_exhaustive]").count(), 1, "{text}");
        assert!(text.contains("cfg_attr (feature = \"schemars\""), "{text}");
        // The request builder's; the type builders are gone.
        assert_eq!(text.matches("# [must_use]").count(), 1, "{text}");
        assert_eq!(text.matches("pub mod builder").count(), 1, "{text}");
        assert!(!text.contains("fn new"), "{text}");
        assert!(text.contains("fn other"), "{text}");
    }
}
