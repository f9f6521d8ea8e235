//! Parsing of the `#[delayed(...)]` options.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{LitBool, LitInt, LitStr, Token};

mod kw {
    syn::custom_keyword!(pure);
    syn::custom_keyword!(cache);
    syn::custom_keyword!(name);
    syn::custom_keyword!(version);
    syn::custom_keyword!(codec);
    syn::custom_keyword!(retries);
    syn::custom_keyword!(result);
    syn::custom_keyword!(uses);
    syn::custom_keyword!(__pipeline_uses);
}

/// The `cache` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cache {
    Auto,
    Always,
    Never,
}

/// The options of one `#[delayed(...)]`, each with the span it was written at.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) pure: Option<(bool, Span)>,
    pub(crate) cache: Option<(Cache, Span)>,
    pub(crate) name: Option<LitStr>,
    pub(crate) version: Option<(u64, Span)>,
    pub(crate) krate: Option<syn::Path>,
    pub(crate) codec: Option<syn::Type>,
    pub(crate) retries: Option<(u32, Span)>,
    /// `result` (true) or `result = false`: whether the return type is a `Result` whose `Err`
    /// fails the task, whatever its name.
    pub(crate) result: Option<(bool, Span)>,
    /// Helpers marked `#[graphchain::track]` whose code is part of the identity.
    pub(crate) uses: Option<Vec<syn::Path>>,
    /// Helpers of a `#[pipeline]` module the function names.
    pub(crate) pipeline_uses: Vec<syn::Path>,
}

const ALLOWED: &str = "expected one of `pure`, `cache`, `name`, `version`, `retries`, `result`, \
                       `uses`, `codec`, `crate`";

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::pure) {
                let key: kw::pure = input.parse()?;
                let lit: LitBool = value(input, key.span, "pure = false")?;
                set(&mut args.pure, (lit.value, lit.span), key.span, "pure")?;
            } else if lookahead.peek(kw::cache) {
                let key: kw::cache = input.parse()?;
                let lit: LitStr = value(input, key.span, "cache = \"never\"")?;
                let policy = match lit.value().as_str() {
                    "auto" => Cache::Auto,
                    "always" => Cache::Always,
                    "never" => Cache::Never,
                    _ => {
                        return Err(syn::Error::new(
                            lit.span(),
                            "`cache` must be \"auto\", \"always\" or \"never\"",
                        ));
                    }
                };
                set(&mut args.cache, (policy, lit.span()), key.span, "cache")?;
            } else if lookahead.peek(kw::name) {
                let key: kw::name = input.parse()?;
                let lit: LitStr = value(input, key.span, "name = \"load\"")?;
                if lit.value().is_empty() {
                    return Err(syn::Error::new(lit.span(), "`name` must not be empty"));
                }
                set(&mut args.name, lit, key.span, "name")?;
            } else if lookahead.peek(kw::version) {
                let key: kw::version = input.parse()?;
                let lit: LitInt = value(input, key.span, "version = 2")?;
                let value = lit.base10_parse::<u64>().map_err(|_| {
                    syn::Error::new(lit.span(), "`version` must be a non-negative integer")
                })?;
                set(&mut args.version, (value, lit.span()), key.span, "version")?;
            } else if lookahead.peek(kw::retries) {
                let key: kw::retries = input.parse()?;
                let lit: LitInt = value(input, key.span, "retries = 3")?;
                let value = lit.base10_parse::<u32>().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        "`retries` must be a non-negative integer that fits in a `u32`",
                    )
                })?;
                set(&mut args.retries, (value, lit.span()), key.span, "retries")?;
            } else if lookahead.peek(kw::result) {
                // `result` alone means `result = true`.
                let key: kw::result = input.parse()?;
                let forced = if input.peek(Token![=]) {
                    let lit: LitBool = value(input, key.span, "result = false")?;
                    (lit.value, lit.span)
                } else {
                    (true, key.span)
                };
                set(&mut args.result, forced, key.span, "result")?;
            } else if lookahead.peek(kw::uses) {
                let key: kw::uses = input.parse()?;
                let paths = uses_list(input, key.span)?;
                set(&mut args.uses, paths, key.span, "uses")?;
            } else if lookahead.peek(kw::__pipeline_uses) {
                // Added by `#[pipeline]`: the module's helpers this function names.
                let key: kw::__pipeline_uses = input.parse()?;
                let content;
                syn::parenthesized!(content in input);
                let paths = content.parse_terminated(syn::Path::parse_mod_style, Token![,])?;
                let _ = key;
                args.pipeline_uses.extend(paths);
            } else if lookahead.peek(kw::codec) {
                let key: kw::codec = input.parse()?;
                let ty: syn::Type = value(input, key.span, "codec = my_crate::RawColumns")?;
                set(&mut args.codec, ty, key.span, "codec")?;
            } else if lookahead.peek(Token![crate]) {
                let key: Token![crate] = input.parse()?;
                let lit: LitStr = value(input, key.span, "crate = \"::graphchain\"")?;
                let path = lit.parse::<syn::Path>().map_err(|_| {
                    syn::Error::new(
                        lit.span(),
                        "`crate` must be a path, such as \"::graphchain\"",
                    )
                })?;
                set(&mut args.krate, path, key.span, "crate")?;
            } else {
                let mut error = lookahead.error();
                if input.peek(syn::Ident) {
                    let ident: syn::Ident = input.parse()?;
                    error = syn::Error::new(
                        ident.span(),
                        format!("unknown option `{ident}`: {ALLOWED}"),
                    );
                }
                return Err(error);
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
}

/// Parses `(path, path, …)` after `uses`: at least one path.
pub(crate) fn uses_list(input: ParseStream<'_>, key: Span) -> syn::Result<Vec<syn::Path>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new(
            key,
            "expected the helpers in parentheses, such as `uses(clean, my_mod::Record)`",
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let paths = content.parse_terminated(syn::Path::parse_mod_style, Token![,])?;
    if paths.is_empty() {
        return Err(syn::Error::new(key, "`uses` needs at least one helper"));
    }
    Ok(paths.into_iter().collect())
}

/// `&path::__graphchain_tracked_name` for each helper path: the static `#[track]` emits next to
/// the helper, named with the helper's span so that it resolves where the path is written.
pub(crate) fn tracked_refs(paths: &[syn::Path]) -> Vec<TokenStream> {
    paths
        .iter()
        .map(|path| {
            let mut path = path.clone();
            let last = path.segments.last_mut().expect("a path has a segment");
            last.ident = tracked_ident(&last.ident);
            quote!(&#path)
        })
        .collect()
}

/// The name of the static `#[track]` emits for the item `ident`.
pub(crate) fn tracked_ident(ident: &syn::Ident) -> syn::Ident {
    syn::Ident::new(&format!("__graphchain_tracked_{ident}"), ident.span())
}

/// Parses `= <value>` after an option. When the value is missing, the error points at the
/// option (syn would point at the whole attribute); when it is of the wrong kind, at the value;
/// both show `example`.
fn value<T: Parse>(input: ParseStream<'_>, key: Span, example: &str) -> syn::Result<T> {
    let missing = |input: ParseStream<'_>| input.is_empty() || input.peek(Token![,]);
    if missing(input) {
        return Err(syn::Error::new(
            key,
            format!("expected a value, such as `{example}`"),
        ));
    }
    input.parse::<Token![=]>()?;
    if missing(input) {
        return Err(syn::Error::new(
            key,
            format!("expected a value, such as `{example}`"),
        ));
    }
    let at = input.span();
    input.parse::<T>().map_err(|_| {
        syn::Error::new(
            at,
            format!("invalid value: expected one such as `{example}`"),
        )
    })
}

fn set<T>(slot: &mut Option<T>, value: T, span: Span, name: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(
            span,
            format!("`{name}` is given more than once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

impl Args {
    /// The path generated code names the runtime by: `::graphchain::__private`, or under the
    /// `crate = "…"` path, whose string then carries the span a wrong path is reported at.
    pub(crate) fn private_path(&self) -> TokenStream {
        let (krate, span) = match &self.krate {
            Some(path) => (path.to_token_stream(), path.span()),
            None => (quote!(::graphchain), Span::call_site()),
        };
        let private = syn::Ident::new("__private", span);
        quote!(#krate::#private)
    }

    /// The span of the first option other than `uses` and `crate`, if any.
    pub(crate) fn only_uses_and_crate(&self) -> Option<Span> {
        self.pure
            .map(|(_, s)| s)
            .or(self.cache.map(|(_, s)| s))
            .or(self.name.as_ref().map(LitStr::span))
            .or(self.version.map(|(_, s)| s))
            .or(self.retries.map(|(_, s)| s))
            .or(self.result.map(|(_, s)| s))
            .or(self.codec.as_ref().map(Spanned::span))
    }

    /// Whether results may be stored: pure, and not `cache = "never"`.
    pub(crate) fn stored(&self) -> bool {
        self.pure() && !matches!(self.cache, Some((Cache::Never, _)))
    }

    fn pure(&self) -> bool {
        self.pure.is_none_or(|(pure, _)| pure)
    }

    /// The `static __GRAPHCHAIN_INFO: FnInfo` that describes the function to the runtime.
    pub(crate) fn info_static(
        &self,
        private: &TokenStream,
        default_name: String,
        identity: [u8; 32],
    ) -> TokenStream {
        let name = self.name.as_ref().map_or(default_name, LitStr::value);
        let pure = self.pure();
        let cache = match self.cache.map(|(c, _)| c) {
            None | Some(Cache::Auto) => quote!(#private::CachePolicy::Auto),
            Some(Cache::Always) => quote!(#private::CachePolicy::Always),
            Some(Cache::Never) => quote!(#private::CachePolicy::Never),
        };
        let identity = identity.iter();
        let retries = self.retries.map_or(0, |(n, _)| n);
        let mut uses = self.uses.clone().unwrap_or_default();
        uses.extend(self.pipeline_uses.iter().cloned());
        let uses = tracked_refs(&uses);
        quote! {
            #[doc(hidden)]
            static __GRAPHCHAIN_INFO: #private::FnInfo = #private::FnInfo {
                name: #name,
                module_path: ::core::module_path!(),
                identity: [#(#identity),*],
                pure: #pure,
                cache: #cache,
                retries: #retries,
                uses: &[#(#uses),*],
                helpers: ::std::sync::OnceLock::new(),
                head: ::std::sync::OnceLock::new(),
            };
        }
    }
}

/// Parses the attribute's arguments.
pub(crate) fn parse(args: TokenStream) -> syn::Result<Args> {
    syn::parse2(args)
}
