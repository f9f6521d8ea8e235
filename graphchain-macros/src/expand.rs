//! Code generation for `#[delayed]`, from the validated model only.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use crate::args::{self, Args};
use crate::model::{Frame, Model, OutputKind, Pass};
use crate::{debug, hash};

/// Entry point: parses options and item, and expands; on error, emits the item unchanged next to
/// a `compile_error!`, so later code still sees the function.
pub(crate) fn delayed(args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed_item =
        syn::parse2::<ItemFn>(item.clone()).map_err(|e| not_a_function(&item).unwrap_or(e));
    let parsed_args = args::parse(args);
    let result = match (parsed_args, parsed_item) {
        (Ok(args), Ok(func)) => {
            let identity = hash::identity(&item, args.version.map(|(v, _)| v));
            Model::new(func, args.result).map(|model| (expand(&args, &model, identity), model))
        }
        (Err(mut e), Err(e2)) => {
            e.combine(e2);
            Err(e)
        }
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
    };
    match result {
        Ok((expansion, model)) => {
            debug::maybe_print(&model.original.sig.ident.to_string(), &expansion);
            expansion
        }
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#item #error)
        }
    }
}

/// A clearer error than syn's "expected `fn`" when the item is not a function at all.
fn not_a_function(item: &TokenStream) -> Option<syn::Error> {
    match syn::parse2::<syn::Item>(item.clone()).ok()? {
        syn::Item::Fn(_) | syn::Item::Verbatim(_) => None,
        other => Some(syn::Error::new_spanned(
            other,
            "`#[delayed]` can only be used on functions",
        )),
    }
}

// Input:
//     /// Docs.
//     pub fn f<T: Bound>(a: &A, b: B) -> Result<R, E> where … { body }
// Output:
//     /// Docs.
//     pub fn f<T: Bound>(a: impl IntoInput<A>, b: impl IntoInput<B>) -> Delayed<R>
//     where …, T: Send + Sync + 'static, A: Send + Sync + 'static, B: Clone + …, R: …
//     {
//         fn __graphchain_body<T: Bound>(a: &A, b: B) -> Result<R, E> where … { body }
//         fn __graphchain_thunk<T: Bound>(args: &mut Args) -> Result<Value, BoxError> where … {
//             let b = args.take::<B>(1);
//             let a = args.get::<A>(0);
//             fallible(__graphchain_body::<T>(a, b))
//         }
//         static INFO: FnInfo = …;  // name, identity hash, options
//         let mut node = NodeBuilder::new(&INFO, type_args_hash(&[type_name::<T>()]), 2);
//         node.push(IntoInput::<A>::into_input(a));
//         node.push(IntoInput::<B>::into_input(b));
//         node.finish_default::<R>(__graphchain_thunk::<T>)  // or `finish_never(…, identity)`
//     }
fn expand(args: &Args, model: &Model, identity: [u8; 32]) -> TokenStream {
    // With `crate = "…"`, `__private` gets the span of that string, where a wrong path is reported.
    let private = args.private_path();
    let original = &model.original;
    let sig = &original.sig;
    let vis = &original.vis;
    let ident = &sig.ident;
    let generics = &sig.generics;
    let (_, type_generics, _) = generics.split_for_impl();
    let turbofish = type_generics.as_turbofish();
    let outer_attrs = model.outer_attrs();
    let lint_attrs: Vec<_> = model.lint_attrs().collect();
    let body_block = &original.block;
    let body_inputs = &sig.inputs;
    let body_output = &sig.output;
    let declared = &model.output.declared;
    // The node's value type. A `Result` by another name is taken apart by the trait, at the
    // span of the return type, where an error about it is reported.
    let value_ty = match &model.output.kind {
        OutputKind::Plain => declared.to_token_stream(),
        OutputKind::Result { ok, .. } => ok.to_token_stream(),
        OutputKind::Alias => {
            let (first, last) = ends(declared);
            let result_like = respan(quote!(#private::ResultLike), last);
            let open = quote_spanned!(first=> <);
            quote_spanned!(last=> #open #declared as #result_like>::Ok)
        }
    };
    let value_ty = &value_ty;

    // Where-clause: what the graph needs of every type involved, each at the span of its type
    // (the bounds are written out in each `quote_spanned!`: interpolated tokens keep their spans).
    let mut predicates: Vec<TokenStream> = original
        .sig
        .generics
        .where_clause
        .iter()
        .flat_map(|w| w.predicates.iter().map(ToTokens::to_token_stream))
        .collect();
    let shared = |ty: &dyn ToTokens| {
        let span = ty.span();
        quote_spanned!(span=> #ty: ::core::marker::Send + ::core::marker::Sync + 'static)
    };
    for t in &model.type_params {
        predicates.push(shared(t));
    }
    // `self` is an input hashed by its content; like any input it may have several readers.
    if let Some(receiver) = &model.receiver {
        let serde = respan(quote!(#private::serde), receiver.span);
        predicates.push(quote_spanned!(receiver.span=>
            Self: #serde::Serialize
                + ::core::clone::Clone
                + ::core::marker::Send
                + ::core::marker::Sync
                + 'static
        ));
    }
    for p in &model.params {
        let ty = &p.input;
        if let Pass::Value = p.pass {
            predicates.push(quote_spanned!(ty.span()=> #ty: ::core::clone::Clone));
        }
        predicates.push(shared(ty));
    }
    predicates.push(shared(value_ty));
    let into_box_error = quote!(
        ::core::convert::Into<
            ::std::boxed::Box<
                dyn ::std::error::Error + ::core::marker::Send + ::core::marker::Sync + 'static,
            >,
        >
    );
    match &model.output.kind {
        OutputKind::Plain => {}
        OutputKind::Result { error, .. } => {
            let bound = respan(into_box_error, error.span());
            predicates.push(quote_spanned!(error.span()=> #error: #bound));
        }
        OutputKind::Alias => {
            // One clear error for a type that is not a `Result`: the bound is assumed inside
            // the function, so the projections below report nothing more. The bounds end at
            // the type's last token, so that the error underlines all of it.
            let (first, last) = ends(declared);
            let result_like = respan(quote!(#private::ResultLike), last);
            let bound = respan(into_box_error, last);
            let open = quote_spanned!(first=> <);
            predicates.push(quote!(#declared: #result_like));
            predicates.push(quote_spanned!(last=> #open #declared as #result_like>::Err: #bound));
        }
    }
    let frame = model.output.frame();
    let cached = args.stored() && (args.codec.is_some() || frame != Some(Frame::Lazy));
    // How the node is finished: `finish…::<T>` (or `finish_async…`), with the bound its codec
    // needs, asked at the span where an error about it belongs.
    let (suffix, type_args) = match (&args.codec, frame) {
        _ if !cached => ("_never", quote!(<#value_ty>)),
        (Some(codec), _) => {
            predicates.push(quote_spanned!(codec.span()=> #codec: #private::Codec<#value_ty>));
            ("_cached", quote!(<#value_ty, #codec>))
        }
        (None, Some(Frame::Data)) => {
            // polars' `DataFrame` is stored as Arrow IPC (feature `polars`); the trait's error
            // says how to turn the feature on.
            let (_, last) = ends(value_ty);
            let frame_cacheable = respan(quote!(#private::FrameCacheable), last);
            predicates.push(quote!(#value_ty: #frame_cacheable));
            ("_frame", quote!(<#value_ty>))
        }
        (None, _) => {
            // The default codec needs serde; `Cacheable` asks for it with an error that also
            // names the other ways (a codec, `cache = "never"`), at the return type.
            let (_, last) = ends(value_ty);
            let cacheable = respan(quote!(#private::Cacheable), last);
            predicates.push(quote!(#value_ty: #cacheable));
            ("_default", quote!(<#value_ty>))
        }
    };
    let kind = if model.is_async {
        "finish_async"
    } else {
        "finish"
    };
    // A result never stored still has its type's identity in the key, so that a step reading
    // it reruns when the type changes: its serde structure when it has one (picked here, where
    // the type is known), its name otherwise, and always its name for a polars frame.
    let type_identity = match frame {
        _ if cached => quote!(),
        // Frames by name: their serde support (a polars feature) is no structure to trace.
        Some(Frame::Lazy | Frame::Data) => quote!(, #private::name_identity::<#value_ty>()),
        _ => quote!(, {
            #[allow(unused_imports)]
            use #private::{ByName as _, ByStructure as _};
            (&&#private::TypeProbe::<#value_ty>::new()).__graphchain_type_identity()
        }),
    };
    let finish = format_ident!("{kind}{suffix}");
    let finish = quote!(#finish::#type_args);
    let where_clause = quote!(where #(#predicates,)*);
    let body_where = &original.sig.generics.where_clause;

    let outer_params = model.params.iter().map(|p| {
        let (name, ty) = (&p.ident, &p.input);
        quote!(#name: impl #private::IntoInput<#ty>)
    });
    // Hygienic: a parameter may be called anything, including this.
    let node_ident = format_ident!("__graphchain_node", span = Span::mixed_site());
    let self_push = model
        .receiver
        .as_ref()
        .map(|_| quote!(#node_ident.push(#private::IntoInput::<Self>::into_input(self));));
    let pushes = model.params.iter().map(|p| {
        let (name, ty) = (&p.ident, &p.input);
        quote!(#node_ident.push(#private::IntoInput::<#ty>::into_input(#name));)
    });
    let first_slot = usize::from(model.receiver.is_some());

    // Owned inputs are taken before borrowed ones are lent out. The future of an `async fn`
    // owns its inputs: borrowed ones are shared (`Arc<T>`), and lent out inside it.
    let args_ident = format_ident!("__graphchain_args", span = Span::mixed_site());
    let this_ident = format_ident!("__graphchain_self", span = Span::mixed_site());
    let this_slot = model
        .receiver
        .as_ref()
        .map(|r| (&this_ident, quote!(Self), &r.pass, 0));
    let slots = this_slot.into_iter().chain(
        model
            .params
            .iter()
            .enumerate()
            .map(|(i, p)| (&p.ident, p.input.to_token_stream(), &p.pass, first_slot + i)),
    );
    let (takes, gets): (Vec<_>, Vec<_>) =
        slots.partition(|(_, _, pass, _)| matches!(pass, Pass::Value));
    let takes = takes
        .into_iter()
        .map(|(name, ty, _, slot)| quote!(let #name = #args_ident.take::<#ty>(#slot);));
    let get = if model.is_async {
        quote!(shared)
    } else {
        quote!(get)
    };
    let lends: Vec<_> = gets
        .iter()
        .map(|(name, ..)| quote!(let #name = &*#name;))
        .collect();
    let gets = gets
        .into_iter()
        .map(|(name, ty, _, slot)| quote!(let #name = #args_ident.#get::<#ty>(#slot);));
    let inputs = quote!(#(#takes)* #(#gets)*);
    let call_args = model
        .receiver
        .as_ref()
        .map(|_| &this_ident)
        .into_iter()
        .chain(model.params.iter().map(|p| &p.ident));
    let wrap = if model.output.fallible() {
        quote!(#private::fallible)
    } else {
        quote!(#private::value)
    };

    // Methods of different types may have the same tokens: the type enters the key.
    let self_type_name = model
        .in_impl
        .then(|| quote!(::core::any::type_name::<Self>()));
    let type_names = self_type_name.into_iter().chain(
        model
            .type_params
            .iter()
            .map(|t| quote!(::core::any::type_name::<#t>())),
    );
    let param_count = model.params.len() + first_slot;
    let info = args.info_static(&private, ident.to_string(), identity);
    let build = quote! {
        let mut #node_ident = #private::NodeBuilder::new(
            &__GRAPHCHAIN_INFO,
            #private::type_args_hash(&[#(#type_names),*]),
            #param_count,
        );
        #self_push
        #(#pushes)*
    };
    // Input: the call of the body on the inputs. Output: the thunk's return type and body.
    let thunk = |call: TokenStream| {
        if model.is_async {
            let body = quote! {
                #inputs
                ::std::boxed::Box::pin(async move {
                    #(#lends)*
                    #wrap(#call.await)
                })
            };
            (quote!(#private::TaskFuture), body)
        } else {
            let result = quote!(::core::result::Result<#private::Value, #private::BoxError>);
            (result, quote!(#inputs #wrap(#call)))
        }
    };
    let asyncness = &sig.asyncness;

    if model.in_impl {
        // Inside an `impl` block: the body and the thunk are hidden associated functions next
        // to the method, since functions nested in it could not name `Self`.
        let body_fn = format_ident!("__graphchain_body_{}", ident);
        let thunk_fn = format_ident!("__graphchain_thunk_{}", ident);
        let (thunk_output, thunk_body) = thunk(quote!(Self::#body_fn #turbofish (#(#call_args),*)));
        let outer_receiver = match model.receiver.as_ref().map(|r| &r.pass) {
            Some(Pass::Ref) => quote!(&self,),
            Some(Pass::Value) => quote!(self,),
            None => quote!(),
        };
        return quote! {
            #(#outer_attrs)*
            #[allow(clippy::multiple_bound_locations)]
            #vis fn #ident #generics (#outer_receiver #(#outer_params),*)
                -> #private::Delayed<#value_ty>
            #where_clause
            {
                #info
                #build
                #node_ident.#finish(Self::#thunk_fn #turbofish #type_identity)
            }

            #[doc(hidden)]
            #[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
            #(#lint_attrs)*
            #asyncness fn #body_fn #generics (#body_inputs) #body_output #body_where #body_block

            #[doc(hidden)]
            #[allow(clippy::multiple_bound_locations)]
            fn #thunk_fn #generics (#args_ident: &mut #private::Args) -> #thunk_output
            #where_clause
            {
                #thunk_body
            }
        };
    }

    let (thunk_output, thunk_body) = thunk(quote!(__graphchain_body #turbofish (#(#call_args),*)));
    quote! {
        #(#outer_attrs)*
        // The graph's own bounds go in the where-clause, next to any the user wrote inline.
        #[allow(clippy::multiple_bound_locations)]
        #vis fn #ident #generics (#(#outer_params),*) -> #private::Delayed<#value_ty>
        #where_clause
        {
            #[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
            #(#lint_attrs)*
            #asyncness fn __graphchain_body #generics (#body_inputs) #body_output #body_where #body_block

            #[doc(hidden)]
            #[allow(clippy::multiple_bound_locations)]
            fn __graphchain_thunk #generics (#args_ident: &mut #private::Args) -> #thunk_output
            #where_clause
            {
                #thunk_body
            }

            #info
            #build
            #node_ident.#finish(__graphchain_thunk #turbofish #type_identity)
        }
    }
}

/// The spans of the first and the last token of `tokens`: a bound spanned from one to the
/// other makes the compiler underline all of them (a proc macro cannot join spans on stable).
fn ends(tokens: &dyn ToTokens) -> (Span, Span) {
    let stream = tokens.to_token_stream();
    let first = stream.clone().into_iter().next().map(|t| t.span());
    let last = stream.into_iter().last().map(|t| t.span());
    let first = first.unwrap_or_else(Span::call_site);
    (first, last.unwrap_or(first))
}

/// `tokens` with every span set to `span`, so that an error about them points there.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = proc_macro2::TokenTree::Group(inner);
            }
            tree.set_span(span);
            tree
        })
        .collect()
}
