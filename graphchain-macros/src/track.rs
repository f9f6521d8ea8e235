//! `#[track]`: makes a helper's code part of the identity of the `#[delayed]` functions that
//! name it in `uses(…)`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Item;

use crate::args::{self, tracked_ident, tracked_refs};
use crate::hash;

/// Entry point; on error, the item is emitted unchanged next to the error.
pub(crate) fn track(args: TokenStream, item: TokenStream) -> TokenStream {
    or_unchanged(item.clone(), expand(args, item))
}

/// The expansion, or on error the item unchanged next to the error, so that later code still
/// sees the item.
pub(crate) fn or_unchanged(item: TokenStream, result: syn::Result<TokenStream>) -> TokenStream {
    result.unwrap_or_else(|error| {
        let error = error.to_compile_error();
        quote!(#item #error)
    })
}

fn expand(args: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args = args::parse(args)?;
    if let Some(span) = args.only_uses_and_crate() {
        return Err(syn::Error::new(
            span,
            "`#[track]` takes only `uses(…)` and `crate = \"…\"`",
        ));
    }
    let parsed: Item = syn::parse2(item.clone())?;
    let (vis, ident) = match &parsed {
        Item::Fn(f) => (&f.vis, &f.sig.ident),
        Item::Struct(s) => (&s.vis, &s.ident),
        Item::Enum(e) => (&e.vis, &e.ident),
        Item::Union(u) => (&u.vis, &u.ident),
        Item::Const(c) => (&c.vis, &c.ident),
        Item::Static(s) => (&s.vis, &s.ident),
        Item::Type(t) => (&t.vis, &t.ident),
        Item::Trait(t) => (&t.vis, &t.ident),
        Item::Impl(i) => {
            return Err(syn::Error::new_spanned(
                i.impl_token,
                "`#[track]` cannot be used on an `impl` block, which no path can name: track the \
                 functions it calls, or move its code into tracked functions",
            ));
        }
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "`#[track]` can be used on functions, structs, enums, unions, consts, statics, \
                 type aliases and traits",
            ));
        }
    };
    let private = args.private_path();
    let name = ident.to_string();
    let tracked = tracked_ident(ident);
    let hash = hash::tracked_identity(&item);
    let hash = hash.iter();
    let uses = tracked_refs(args.uses.as_deref().unwrap_or_default());
    Ok(quote! {
        #item

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #vis static #tracked: #private::Tracked = #private::Tracked {
            name: #name,
            hash: [#(#hash),*],
            uses: &[#(#uses),*],
        };
    })
}
