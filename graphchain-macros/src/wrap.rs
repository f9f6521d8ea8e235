//! `delayed_fn!`: wraps a function given by path, or a closure, into a `DelayedFn`.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprClosure, Pat, ReturnType, Token, Type};

use crate::args::Args;
use crate::hash;
use crate::model::owned_input;

/// `delayed_fn!(function)` or `delayed_fn!(function, options…)`.
struct Input {
    function: Expr,
    args: Args,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let function: Expr = input.parse()?;
        let args = if input.is_empty() {
            Args::default()
        } else {
            input.parse::<Token![,]>()?;
            input.parse()?
        };
        Ok(Input { function, args })
    }
}

/// Entry point of `delayed_fn!`.
pub(crate) fn delayed_fn(input: TokenStream) -> TokenStream {
    match syn::parse2::<Input>(input).and_then(|input| expand(&input)) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn expand(input: &Input) -> syn::Result<TokenStream> {
    let args = &input.args;
    if let Some((_, span)) = args.result {
        // The wrapped function's type is known here, aliases resolved: `try_call` needs no option.
        return Err(syn::Error::new(
            span,
            "`delayed_fn!` takes no `result` option: call `try_call` instead of `call` for a \
             function that returns a `Result`",
        ));
    }
    let private = args.private_path();
    let version = args.version.map(|(v, _)| v);

    let (function, identity, default_name) = match &input.function {
        Expr::Path(path) if path.attrs.is_empty() => {
            // Another crate's code (or std's) cannot be hashed: the path stands for it, with the
            // toolchain that compiles it.
            let tokens = path.to_token_stream();
            let identity =
                hash::wrapped_identity(&tokens, Some(env!("GRAPHCHAIN_RUSTC_VERSION")), version);
            let name: String = tokens
                .to_string()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            (tokens, identity, name)
        }
        Expr::Closure(closure) => {
            let tokens = closure.to_token_stream();
            let identity = hash::wrapped_identity(&tokens, None, version);
            (closure_fn(closure)?, identity, "closure".to_owned())
        }
        other => {
            return Err(syn::Error::new_spanned(
                other,
                "`delayed_fn!` takes a path to a function (`f64::sqrt`, `my_crate::load`) or a \
                 closure whose parameters all have types (`|x: &T| …`)",
            ));
        }
    };

    let info = args.info_static(&private, default_name, identity);
    let store = match (&args.codec, args.stored()) {
        (_, false) => quote!(#private::NotStored),
        (Some(codec), true) => quote!(#private::Stored<#codec>),
        (None, true) => quote!(#private::Stored<#private::PostcardLz4>),
    };
    Ok(quote! {{
        #info
        #private::DelayedFn::<_, #store>::new(#function, &__GRAPHCHAIN_INFO)
    }})
}

/// A closure as a plain function pointer taking owned values: `|s: &str, n: u32| body` becomes
/// `{ let f: fn(String, u32) -> _ = |s: String, n: u32| { let s: &str = &s; body }; f }`.
///
/// The coercion to a function pointer is what rejects captured variables, at compile time: the
/// graph may run the closure in another run of the program, where they do not exist.
fn closure_fn(closure: &ExprClosure) -> syn::Result<TokenStream> {
    let mut errors: Vec<syn::Error> = Vec::new();
    if let Some(token) = &closure.asyncness {
        errors.push(syn::Error::new_spanned(
            token,
            "`delayed_fn!` does not support async closures",
        ));
    }
    if let Some(token) = &closure.constness {
        errors.push(syn::Error::new_spanned(
            token,
            "`delayed_fn!` does not support const closures",
        ));
    }
    let mut params = Vec::new();
    let mut owned_types = Vec::new();
    let mut rebinds = Vec::new();
    for input in &closure.inputs {
        let Pat::Type(typed) = input else {
            errors.push(syn::Error::new_spanned(
                input,
                "give every parameter of a `delayed_fn!` closure a type: `|x: u32| …`; \
                 the type says what the graph holds for it",
            ));
            continue;
        };
        let ident = match &*typed.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p,
            other => {
                errors.push(syn::Error::new_spanned(
                    other,
                    "`delayed_fn!` closure parameters must be plain names (`x` or `mut x`)",
                ));
                continue;
            }
        };
        let (owned, rebind) = match &*typed.ty {
            Type::Reference(r) if r.mutability.is_some() => {
                errors.push(syn::Error::new_spanned(
                    r,
                    "`&mut` parameters are not supported by `delayed_fn!`: inputs are shared \
                     and immutable; take `&T` or `T`",
                ));
                continue;
            }
            Type::Reference(r) if r.lifetime.is_some() => {
                errors.push(syn::Error::new_spanned(
                    r,
                    "`delayed_fn!` closure parameters cannot name lifetimes: the graph owns \
                     its inputs",
                ));
                continue;
            }
            Type::Reference(r) => {
                let name = &ident.ident;
                let ty = &typed.ty;
                (owned_input(&r.elem), Some(quote!(let #name: #ty = &#name;)))
            }
            ty => (ty.clone(), None),
        };
        let mutability = &ident.mutability;
        let name = &ident.ident;
        params.push(quote!(#mutability #name: #owned));
        owned_types.push(owned);
        rebinds.extend(rebind);
    }
    if let Some(mut first) = errors.pop() {
        for e in errors {
            first.combine(e);
        }
        return Err(first);
    }
    // The rebindings go first in the body; a block's statements are spliced after them.
    let body = match &*closure.body {
        _ if rebinds.is_empty() => closure.body.to_token_stream(),
        Expr::Block(block) if block.attrs.is_empty() && block.label.is_none() => {
            let stmts = &block.block.stmts;
            quote!({ #(#rebinds)* #(#stmts)* })
        }
        body => quote!({ #(#rebinds)* #body }),
    };
    let output = match &closure.output {
        ReturnType::Default => quote!(_),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let ret = match &closure.output {
        ReturnType::Default => quote!(),
        ReturnType::Type(arrow, ty) => quote!(#arrow #ty),
    };
    let span = closure.span();
    Ok(quote_spanned! {span=> {
        let __graphchain_fn: fn(#(#owned_types),*) -> #output = |#(#params),*| #ret #body;
        __graphchain_fn
    }})
}
