//! `#[pipeline]` on an inline module: every item in it is tracked, and each `#[delayed]`
//! function uses the items it names, so editing any helper or type reruns exactly the steps
//! that reach it.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{Attribute, Ident, Item, ItemMod};

use crate::args::{self, tracked_ident};
use crate::hash;

/// Entry point; on error, the module is emitted unchanged next to the error.
pub(crate) fn pipeline(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::track::or_unchanged(item.clone(), expand(args, item))
}

/// One named item of the module, with everything that shares its name (a type and its `impl`
/// blocks).
#[derive(Default)]
struct Tracked {
    tokens: TokenStream,
    /// Identifiers in its tokens: the items it may use.
    idents: BTreeSet<String>,
    /// The span to name its static with.
    ident: Option<Ident>,
    /// Marked `#[track]` already: it has its own static.
    explicit: bool,
}

fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args = args::parse(args)?;
    if let Some(span) = args.only_uses_and_crate().or(args.uses.as_ref().map(|u| {
        u.first().map_or_else(proc_macro2::Span::call_site, |p| {
            syn::spanned::Spanned::span(p)
        })
    })) {
        return Err(syn::Error::new(
            span,
            "`#[pipeline]` takes only `crate = \"…\"`",
        ));
    }
    let mut module: ItemMod = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "`#[pipeline]` can only be used on an inline module: `mod steps { … }`",
        )
    })?;
    let Some((_, items)) = &mut module.content else {
        return Err(syn::Error::new_spanned(
            &module,
            "`#[pipeline]` needs the module's items: write `mod steps { … }`, not `mod steps;`",
        ));
    };

    // Every named item, and impl blocks under their type's name; `#[delayed]` functions are
    // steps, not helpers (a step's own tokens are its identity already).
    let mut helpers: BTreeMap<String, Tracked> = BTreeMap::new();
    for item in items.iter() {
        let Some(name) = item_name(item) else {
            continue;
        };
        if delayed_attr(item_attrs(item)).is_some() {
            continue;
        }
        let entry = helpers.entry(name.to_string()).or_default();
        entry.explicit |= is_tracked(item_attrs(item));
        item.to_tokens(&mut entry.tokens);
        collect_idents(item.to_token_stream(), &mut entry.idents);
        if !matches!(item, Item::Impl(_)) {
            entry.ident.get_or_insert_with(|| name.clone());
        }
    }
    // Names of helpers defined by an `impl` only (of a type defined elsewhere) get no static.
    helpers.retain(|_, h| h.ident.is_some());

    let private = args.private_path();
    let mut statics = Vec::new();
    for (name, helper) in helpers.iter().filter(|(_, h)| !h.explicit) {
        let ident = helper.ident.as_ref().expect("kept only named helpers");
        let tracked = tracked_ident(ident);
        let hash = hash::tracked_identity(&helper.tokens);
        let hash = hash.iter();
        let uses = uses_of(&helper.idents, &helpers, Some(name))
            .iter()
            .map(tracked_ident)
            .collect::<Vec<_>>();
        statics.push(quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals, dead_code)]
            static #tracked: #private::Tracked = #private::Tracked {
                name: #name,
                hash: [#(#hash),*],
                uses: &[#(&#uses),*],
            };
        });
    }

    // Each step uses the helpers its tokens name.
    for item in items.iter_mut() {
        let mut idents = BTreeSet::new();
        collect_idents(item.to_token_stream(), &mut idents);
        let Some(attrs) = item_attrs_mut(item) else {
            continue;
        };
        let Some(index) = delayed_attr(attrs) else {
            continue;
        };
        let uses = uses_of(&idents, &helpers, None);
        if uses.is_empty() {
            continue;
        }
        let attr = &mut attrs[index];
        let existing = match &attr.meta {
            syn::Meta::Path(_) => TokenStream::new(),
            syn::Meta::List(list) => list.tokens.clone(),
            syn::Meta::NameValue(_) => continue, // reported by `#[delayed]` itself
        };
        let separator = (!existing.is_empty()).then(|| quote!(,));
        let path = attr.path().clone();
        *attr = syn::parse_quote!(#[#path(#existing #separator __pipeline_uses(#(#uses),*))]);
    }
    items.extend(statics.into_iter().map(Item::Verbatim));
    Ok(module.into_token_stream())
}

/// The helpers among `idents`, by item name.
fn uses_of(
    idents: &BTreeSet<String>,
    helpers: &BTreeMap<String, Tracked>,
    this: Option<&String>,
) -> Vec<Ident> {
    helpers
        .iter()
        .filter(|(name, _)| idents.contains(*name) && Some(*name) != this)
        .map(|(_, h)| h.ident.clone().expect("kept only named helpers"))
        .collect()
}

fn collect_idents(tokens: TokenStream, into: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                into.insert(ident.to_string());
            }
            TokenTree::Group(group) => collect_idents(group.stream(), into),
            _ => {}
        }
    }
}

fn item_name(item: &Item) -> Option<Ident> {
    Some(
        match item {
            Item::Fn(f) => &f.sig.ident,
            Item::Struct(s) => &s.ident,
            Item::Enum(e) => &e.ident,
            Item::Union(u) => &u.ident,
            Item::Const(c) => &c.ident,
            Item::Static(s) => &s.ident,
            Item::Type(t) => &t.ident,
            Item::Trait(t) => &t.ident,
            // `macro_rules! name { … }`: a step that calls `name!` names it.
            Item::Macro(m) => m.ident.as_ref()?,
            Item::Impl(i) => match &*i.self_ty {
                syn::Type::Path(p) if p.qself.is_none() => &p.path.segments.last()?.ident,
                _ => return None,
            },
            _ => return None,
        }
        .clone(),
    )
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Fn(f) => &f.attrs,
        Item::Struct(s) => &s.attrs,
        Item::Enum(e) => &e.attrs,
        Item::Union(u) => &u.attrs,
        Item::Const(c) => &c.attrs,
        Item::Static(s) => &s.attrs,
        Item::Type(t) => &t.attrs,
        Item::Trait(t) => &t.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(m) => &m.attrs,
        _ => &[],
    }
}

fn item_attrs_mut(item: &mut Item) -> Option<&mut Vec<Attribute>> {
    match item {
        Item::Fn(f) => Some(&mut f.attrs),
        _ => None,
    }
}

/// The index of a `#[delayed]` (or `#[graphchain::delayed]`) attribute.
fn delayed_attr(attrs: &[Attribute]) -> Option<usize> {
    attrs.iter().position(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "delayed")
    })
}

/// Whether the item is marked `#[track]` already (it has its own static).
fn is_tracked(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().segments.last().is_some_and(|s| s.ident == "track"))
}
