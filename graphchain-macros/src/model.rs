//! The validated model of a `#[delayed]` function; every unsupported shape is rejected here.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{
    Attribute, FnArg, GenericArgument, GenericParam, Ident, ItemFn, Pat, PathArguments,
    ReceiverKind, ReturnType, Type,
};

/// How a parameter is passed to the function's body.
pub(crate) enum Pass {
    /// `p: T`: the body gets an owned value (moved from its last reader, cloned otherwise).
    Value,
    /// `p: &T`: the body borrows the value the graph holds.
    Ref,
}

/// One parameter of the function.
pub(crate) struct Param {
    pub(crate) ident: Ident,
    /// The type of the value the graph holds for it (`T` for `&T`, `String` for `&str`,
    /// `Vec<T>` for `&[T]`).
    pub(crate) input: Type,
    pub(crate) pass: Pass,
}

/// What the function returns.
pub(crate) struct Output {
    /// The declared return type (`()` when none is written).
    pub(crate) declared: Type,
    /// How the declared type becomes the node's value.
    pub(crate) kind: OutputKind,
}

/// How a return value becomes the node's value.
pub(crate) enum OutputKind {
    /// The value itself.
    Plain,
    /// Written `Result<T, E>`: the node holds `T`, and an `Err` fails the task.
    Result { ok: Box<Type>, error: Box<Type> },
    /// A `Result` by another name (`io::Result<T>`, `PolarsResult<T>`, a `type Fallible<T>`
    /// marked `#[delayed(result)]`): an alias does not show what it stands for, so the node's
    /// value and error are found through the `ResultLike` trait, which also reports a type that
    /// is not a `Result`.
    Alias,
}

/// A polars frame, recognised by the name its value type is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// `DataFrame`: stored with the frame codec (Arrow IPC) rather than serde.
    Data,
    /// `LazyFrame`: a query plan, never stored (it is rebuilt from its inputs, and its rows are
    /// computed where it is collected).
    Lazy,
}

impl Output {
    /// Whether an `Err` fails the task.
    pub(crate) fn fallible(&self) -> bool {
        !matches!(self.kind, OutputKind::Plain)
    }

    /// The frame the node's value is written as, if it is one: `DataFrame`,
    /// `Result<DataFrame, E>`, `PolarsResult<DataFrame>`, `polars::prelude::LazyFrame`…
    pub(crate) fn frame(&self) -> Option<Frame> {
        let value = match &self.kind {
            OutputKind::Plain => &self.declared,
            OutputKind::Result { ok, .. } => ok,
            OutputKind::Alias => first_type_argument(&self.declared)?,
        };
        let Type::Path(path) = value else { return None };
        let last = path.path.segments.last()?;
        if path.qself.is_some() || !last.arguments.is_none() {
            return None;
        }
        match last.ident.to_string().as_str() {
            "DataFrame" => Some(Frame::Data),
            "LazyFrame" => Some(Frame::Lazy),
            _ => None,
        }
    }
}

/// `T` in `Alias<T, …>`.
fn first_type_argument(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// The `self` of a method.
pub(crate) struct Receiver {
    /// `&self` borrows, `self` and `mut self` take the value.
    pub(crate) pass: Pass,
    /// Where it is written, for errors about `Self`'s bounds.
    pub(crate) span: proc_macro2::Span,
}

/// A function `#[delayed]` can rewrite.
pub(crate) struct Model {
    pub(crate) original: ItemFn,
    /// The receiver of a method, which becomes input slot 0.
    pub(crate) receiver: Option<Receiver>,
    /// Whether the function is an associated function that names `Self` (or has a receiver):
    /// its helpers must then be items of the same `impl` block, since nested functions cannot
    /// name `Self`.
    pub(crate) in_impl: bool,
    pub(crate) params: Vec<Param>,
    pub(crate) output: Output,
    /// The names of the generic type parameters, in order.
    pub(crate) type_params: Vec<Ident>,
    /// Whether it is an `async fn`: its task is a future, run on the async runtime.
    pub(crate) is_async: bool,
}

impl Model {
    /// Validates `item`, collecting every problem into one error. `result` is the `result`
    /// option: whether the return type is a `Result` whatever its name, and where it is written.
    pub(crate) fn new(item: ItemFn, result: Option<(bool, Span)>) -> syn::Result<Self> {
        let mut errors: Vec<syn::Error> = Vec::new();
        let sig = &item.sig;
        let mut reject = |tokens: &dyn quote::ToTokens, message: &str| {
            errors.push(syn::Error::new_spanned(tokens, message));
        };
        if let Some(token) = &sig.constness {
            reject(token, "`#[delayed]` cannot be used on a `const fn`");
        }
        if let syn::Safety::Unsafe(token) = &sig.safety {
            reject(token, "`#[delayed]` cannot be used on an `unsafe fn`");
        }
        if let Some(abi) = &sig.abi {
            reject(abi, "`#[delayed]` cannot be used on an `extern` function");
        }
        if let Some(variadic) = &sig.variadic {
            reject(
                variadic,
                "`#[delayed]` does not support variadic parameters",
            );
        }
        let mut type_params = Vec::new();
        for param in &sig.generics.params {
            match param {
                GenericParam::Type(t) => type_params.push(t.ident.clone()),
                GenericParam::Lifetime(l) => reject(
                    l,
                    "`#[delayed]` functions cannot have lifetime parameters: \
                     their inputs are owned by the graph",
                ),
                GenericParam::Const(c) => reject(
                    c,
                    "`#[delayed]` does not support const generic parameters; \
                     pass the value as an argument",
                ),
            }
        }

        let mut params = Vec::new();
        let mut receiver = None;
        for arg in &sig.inputs {
            match arg {
                FnArg::Receiver(r) => match &r.kind {
                    ReceiverKind::Reference(_, _, Some(_)) => reject(
                        r,
                        "`&mut self` is not supported by `#[delayed]`: inputs are shared and \
                         immutable; take `&self` or `self`",
                    ),
                    ReceiverKind::Reference(_, Some(lifetime), None) => reject(
                        lifetime,
                        "`#[delayed]` methods cannot name the lifetime of `self`: \
                         the graph owns its inputs; take `&self`",
                    ),
                    ReceiverKind::Reference(_, None, None) => {
                        receiver = Some(Receiver {
                            pass: Pass::Ref,
                            span: r.span(),
                        });
                    }
                    ReceiverKind::Value => {
                        receiver = Some(Receiver {
                            pass: Pass::Value,
                            span: r.span(),
                        });
                    }
                    _ => reject(
                        r,
                        "`#[delayed]` methods take `&self` or `self`; typed receivers such as \
                         `self: Box<Self>` are not supported",
                    ),
                },
                FnArg::Typed(pat_type) => {
                    let ident = match &*pat_type.pat {
                        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
                            Some(p.ident.clone())
                        }
                        other => {
                            reject(
                                other,
                                "`#[delayed]` parameters must be plain names (`x` or `mut x`), \
                                 not patterns",
                            );
                            None
                        }
                    };
                    let mut problems = TypeProblems::default();
                    problems.visit_type(&pat_type.ty);
                    if let Some(t) = problems.impl_trait {
                        reject(
                            &t,
                            "`impl Trait` parameters are not supported by `#[delayed]`; \
                             use a named generic parameter",
                        );
                        continue;
                    }
                    if let Some(l) = problems.lifetime {
                        reject(
                            &l,
                            "`#[delayed]` parameters cannot name lifetimes: \
                             their inputs are owned by the graph",
                        );
                        continue;
                    }
                    let (input, pass) = match &*pat_type.ty {
                        Type::Reference(r) if r.mutability.is_some() => {
                            reject(
                                r,
                                "`&mut` parameters are not supported by `#[delayed]`: \
                                 inputs are shared and immutable; take `&T` or `T`",
                            );
                            continue;
                        }
                        Type::Reference(r) if r.lifetime.as_ref().is_some_and(is_static) => {
                            reject(
                                r,
                                "`#[delayed]` parameters cannot be `&'static` references: \
                                 the graph lends its inputs only for the call; take `&T` or `T`",
                            );
                            continue;
                        }
                        Type::Reference(r) => (owned_input(&r.elem), Pass::Ref),
                        ty => (ty.clone(), Pass::Value),
                    };
                    if let Some(ident) = ident {
                        params.push(Param { ident, input, pass });
                    }
                }
            }
        }

        let output = match &sig.output {
            ReturnType::Default => {
                if let Some((true, span)) = result {
                    errors.push(syn::Error::new(
                        span,
                        "`result` needs a return type that is a `Result`, such as \
                         `io::Result<T>`; this function returns `()`",
                    ));
                }
                Output {
                    declared: syn::parse_quote!(()),
                    kind: OutputKind::Plain,
                }
            }
            ReturnType::Type(_, ty) => {
                let mut problems = TypeProblems::default();
                problems.visit_type(ty);
                if let Some(t) = problems.impl_trait {
                    reject(
                        &t,
                        "`#[delayed]` functions cannot return `impl Trait`; name the type",
                    );
                } else if let Some(l) = problems.lifetime {
                    reject(&l, "`#[delayed]` functions must return owned values");
                } else if let Type::Reference(r) = &**ty {
                    reject(r, "`#[delayed]` functions must return owned values");
                }
                let fallible = result.map_or_else(|| named_result(ty), |(forced, _)| forced);
                let kind = match written_result(ty) {
                    _ if !fallible => OutputKind::Plain,
                    Some((ok, error)) => OutputKind::Result {
                        ok: Box::new(ok),
                        error: Box::new(error),
                    },
                    None => OutputKind::Alias,
                };
                Output {
                    declared: (**ty).clone(),
                    kind,
                }
            }
        };

        let mut errors = errors.into_iter();
        if let Some(mut first) = errors.next() {
            for e in errors {
                first.combine(e);
            }
            return Err(first);
        }
        let in_impl = receiver.is_some() || names_self(&item);
        let is_async = item.sig.asyncness.is_some();
        Ok(Model {
            original: item,
            receiver,
            in_impl,
            params,
            output,
            type_params,
            is_async,
        })
    }

    /// Attributes that stay on the rewritten function: all of them.
    pub(crate) fn outer_attrs(&self) -> &[Attribute] {
        &self.original.attrs
    }

    /// Lint attributes (`allow`, `warn`, `deny`, `forbid`, `expect`), which also apply to the body.
    pub(crate) fn lint_attrs(&self) -> impl Iterator<Item = &Attribute> {
        self.original.attrs.iter().filter(|a| {
            ["allow", "warn", "deny", "forbid", "expect"]
                .iter()
                .any(|lint| a.path().is_ident(lint))
        })
    }
}

/// The owned type the graph holds for a `&elem` parameter.
pub(crate) fn owned_input(elem: &Type) -> Type {
    match elem {
        Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
            syn::parse_quote!(::std::string::String)
        }
        Type::Slice(s) => {
            let inner = &s.elem;
            syn::parse_quote!(::std::vec::Vec<#inner>)
        }
        other => other.clone(),
    }
}

/// Whether the last segment of `ty`'s path is `Result` or ends in it (`io::Result<T>`,
/// `PolarsResult<T>`, `fmt::Result`): the return types taken for a `Result` without the `result`
/// option. A type so named that is not one is reported through `ResultLike`, with the fix.
fn named_result(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|last| last.ident.to_string().ends_with("Result")),
        Type::Group(group) => named_result(&group.elem),
        Type::Paren(paren) => named_result(&paren.elem),
        _ => false,
    }
}

/// `T` and `E` when `ty` is written `Result<T, E>`: the node's value type can then be written
/// as `T` (in the signature users read) and errors about `E` point at `E`.
fn written_result(ty: &Type) -> Option<(Type, Type)> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(ok), GenericArgument::Type(error)] => {
            Some((ok.clone(), error.clone()))
        }
        _ => None,
    }
}

fn is_static(lifetime: &syn::Lifetime) -> bool {
    lifetime.ident == "static"
}

/// Finds the first `impl Trait` and the first named lifetime in a type.
#[derive(Default)]
struct TypeProblems {
    impl_trait: Option<syn::TypeImplTrait>,
    lifetime: Option<syn::Lifetime>,
}

impl<'ast> Visit<'ast> for TypeProblems {
    fn visit_type_impl_trait(&mut self, node: &'ast syn::TypeImplTrait) {
        self.impl_trait.get_or_insert_with(|| node.clone());
    }
    fn visit_lifetime(&mut self, node: &'ast syn::Lifetime) {
        if node.ident != "_" && !is_static(node) {
            self.lifetime.get_or_insert_with(|| node.clone());
        }
    }
}

/// Whether the function names `Self` in its signature or its body (outside nested items, which
/// have a `Self` of their own), macro arguments included.
fn names_self(item: &ItemFn) -> bool {
    let mut finder = SelfFinder::default();
    finder.visit_signature(&item.sig);
    for stmt in &item.block.stmts {
        finder.visit_stmt(stmt);
    }
    finder.found
}

#[derive(Default)]
struct SelfFinder {
    found: bool,
}

impl<'ast> Visit<'ast> for SelfFinder {
    fn visit_item(&mut self, _: &'ast syn::Item) {}

    fn visit_ident(&mut self, ident: &'ast Ident) {
        self.found |= ident == "Self";
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.found |= tokens_name_self(&mac.tokens);
    }
}

fn tokens_name_self(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == "Self",
        TokenTree::Group(group) => tokens_name_self(&group.stream()),
        _ => false,
    })
}
