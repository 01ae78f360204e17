//! The client crate's `constructors.rs`: for each request member (a kind of
//! message), `new` with its required properties and every optional one
//! `None`. Read from progenitor's own structs, so that a property the
//! fragment gains is `None` in code that builds a request with `new` and
//! sets what it knows: adding an optional property breaks no caller. And
//! `body_mut` on the request root: the message's text, for the members whose
//! `body` is a required string, so that no code outside a kind's own file
//! names the kinds to reach it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::codegen::spec::Spec;

/// The source of `constructors.rs`, from the items of the generated `types`
/// module ([`types_module`](crate::codegen::client::types_module)).
pub fn generate_constructors(spec: &Spec, types: &[syn::Item]) -> Result<String, String> {
    let mut out = TokenStream::new();
    for member in crate::codegen::table::request_members(&spec.raw)? {
        let st = types
            .iter()
            .find_map(|i| match i {
                syn::Item::Struct(s) if s.ident == member => Some(s),
                _ => None,
            })
            .ok_or_else(|| format!("no struct `{member}` in the generated client"))?;
        out.extend(constructor(st)?);
    }
    out.extend(body_mut(types)?);
    let tokens = quote! {
        #![doc = " `new` for each kind of message: its required properties, every optional"]
        #![doc = " one `None`. Set the optional ones you need on the result; a property the"]
        #![doc = " contract gains starts as `None`, so code built this way keeps compiling."]
        #![doc = " And `body_mut`, the text of a request whose kind has one."]

        use crate::types::*;

        #out
    };
    Ok(format!(
        "{}{}",
        crate::codegen::header(),
        crate::codegen::pretty(tokens)?
    ))
}

/// Whether a field's type is `Option<…>` (as progenitor writes it, with or
/// without the `::std::option::` path).
fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// `impl CreateMessageRequest { fn body_mut }`: `Some` for each member with
/// a required `body`, `None` for the others.
fn body_mut(types: &[syn::Item]) -> Result<TokenStream, String> {
    let root = crate::codegen::project::REQUEST_ROOT;
    let en = types
        .iter()
        .find_map(|i| match i {
            syn::Item::Enum(e) if e.ident == root => Some(e),
            _ => None,
        })
        .ok_or_else(|| format!("no enum `{root}` in the generated client"))?;
    let mut arms = Vec::new();
    for v in &en.variants {
        let ident = &v.ident;
        let member = match &v.fields {
            syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => match &f.unnamed[0].ty {
                syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
                _ => None,
            },
            _ => None,
        }
        .ok_or_else(|| format!("`{root}::{ident}` does not hold one request member"))?;
        let has_body = types.iter().any(|i| {
            matches!(i, syn::Item::Struct(s) if s.ident == member
                && matches!(&s.fields, syn::Fields::Named(f) if f.named.iter().any(|f|
                    f.ident.as_ref().is_some_and(|n| n == "body") && !is_option(&f.ty))))
        });
        arms.push(if has_body {
            quote! { Self::#ident(r) => Some(&mut r.body), }
        } else {
            quote! { Self::#ident(_) => None, }
        });
    }
    let root = format_ident!("{root}");
    Ok(quote! {
        impl #root {
            #[doc = " The message's text (`body`), for the kinds whose `body` is a required"]
            #[doc = " string; `None` for the others (a WhatsApp template has none)."]
            pub fn body_mut(&mut self) -> Option<&mut ::std::string::String> {
                match self {
                    #(#arms)*
                }
            }
        }
    })
}

fn constructor(st: &syn::ItemStruct) -> Result<TokenStream, String> {
    let name = &st.ident;
    let syn::Fields::Named(fields) = &st.fields else {
        return Err(format!("`{name}` is not a struct with named fields"));
    };
    let (mut args, mut inits) = (Vec::new(), Vec::new());
    let mut required = Vec::new();
    for f in &fields.named {
        let ident = f.ident.as_ref().ok_or("a named field without a name")?;
        let ty = &f.ty;
        if is_option(ty) {
            inits.push(quote! { #ident: None });
        } else {
            args.push(quote! { #ident: #ty });
            inits.push(quote! { #ident });
            required.push(format!("`{ident}`"));
        }
    }
    let doc = format!(
        " With the required properties ({}); every optional property is `None`.",
        required.join(", ")
    );
    Ok(quote! {
        impl #name {
            #[doc = #doc]
            #[allow(clippy::too_many_arguments)]
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
        }
    })
}
