//! The function identity hash: blake3 over a canonical walk of the function's token trees.
//!
//! Identifiers and literals enter verbatim, punctuation and delimiters as fixed markers, with no
//! spacing and no spans, and `#[doc]` attributes (doc comments) are left out, and so are the
//! commas rustfmt adds or removes without changing meaning (trailing commas in lists, but never
//! the one that makes `(a,)` a tuple). So reformatting, ordinary comments and doc comments never
//! change the hash, and any other change to a token does. We
//! walk the trees ourselves instead of hashing `to_string()`, whose spacing differs between the
//! compiler and proc-macro2's fallback and across releases.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// Version of the walk below, mixed into every identity: bump it when the walk changes.
pub(crate) const HASH_SCHEME_VERSION: u32 = 1;

/// The identity of a function: its tokens, plus the `version` option when given.
pub(crate) fn identity(tokens: &TokenStream, version: Option<u64>) -> [u8; 32] {
    hash_tokens(b"graphchain-fn-identity", tokens, None, version)
}

/// The hash of a helper marked `#[track]`: its tokens, doc comments and formatting aside.
pub(crate) fn tracked_identity(tokens: &TokenStream) -> [u8; 32] {
    hash_tokens(b"graphchain-tracked-identity", tokens, None, None)
}

/// The identity of a function wrapped by `delayed_fn!`: the tokens naming it (a path, or a
/// closure), the toolchain that compiles it when its code is not ours to hash (a path into `std`
/// or another crate), and the `version` option.
pub(crate) fn wrapped_identity(
    tokens: &TokenStream,
    toolchain: Option<&str>,
    version: Option<u64>,
) -> [u8; 32] {
    hash_tokens(b"graphchain-wrapped-identity", tokens, toolchain, version)
}

fn hash_tokens(
    domain: &[u8],
    tokens: &TokenStream,
    toolchain: Option<&str>,
    version: Option<u64>,
) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(domain);
    hasher.update(&HASH_SCHEME_VERSION.to_le_bytes());
    walk(tokens, &mut hasher);
    if let Some(toolchain) = toolchain {
        text(&mut hasher, b't', toolchain);
    }
    if let Some(version) = version {
        hasher.update(b"version");
        hasher.update(&version.to_le_bytes());
    }
    *hasher.finalize().as_bytes()
}

fn walk(tokens: &TokenStream, hasher: &mut blake3::Hasher) {
    walk_group(tokens, None, None, hasher);
}

/// Hashes the trees of one group; `delimiter` is the group's (`None` at the item's top level) and
/// `before` the tree just before the group, which tells a call's parentheses from a tuple's.
fn walk_group(
    tokens: &TokenStream,
    delimiter: Option<Delimiter>,
    before: Option<&TokenTree>,
    hasher: &mut blake3::Hasher,
) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        if let Some(len) = doc_attribute_len(&trees[i..]) {
            i += len;
            continue;
        }
        match &trees[i] {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => (b'(', b')'),
                    Delimiter::Brace => (b'{', b'}'),
                    Delimiter::Bracket => (b'[', b']'),
                    Delimiter::None => (b'<', b'>'),
                };
                hasher.update(&[b'g', open]);
                let before = i.checked_sub(1).map(|j| &trees[j]);
                walk_group(&group.stream(), Some(group.delimiter()), before, hasher);
                hasher.update(&[b'g', close]);
            }
            TokenTree::Ident(ident) => text(hasher, b'i', &ident.to_string()),
            TokenTree::Punct(punct) => {
                if punct.as_char() == ',' && comma_is_formatting(&trees, i, delimiter, before) {
                    i += 1;
                    continue;
                }
                let mut buf = [0u8; 4];
                text(hasher, b'p', punct.as_char().encode_utf8(&mut buf));
            }
            TokenTree::Literal(literal) => text(hasher, b'l', &literal.to_string()),
        }
        i += 1;
    }
}

/// Whether the comma at `trees[i]` is one that rustfmt adds or removes without changing meaning:
/// a trailing comma in a list (but not the one that makes `(a,)` a tuple), before the `>` that
/// closes generics, or at the end of a where-clause.
fn comma_is_formatting(
    trees: &[TokenTree],
    i: usize,
    delimiter: Option<Delimiter>,
    before: Option<&TokenTree>,
) -> bool {
    match trees.get(i + 1) {
        None => match delimiter {
            Some(Delimiter::Brace | Delimiter::Bracket) => true,
            Some(Delimiter::Parenthesis) => {
                let commas = trees
                    .iter()
                    .filter(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
                    .count();
                // `f(a,)` is `f(a)` and `(a, b,)` is `(a, b)`, but `(a,)` is a one-tuple.
                commas >= 2
                    || matches!(before, Some(TokenTree::Ident(id)) if !is_keyword(&id.to_string()))
            }
            _ => false,
        },
        Some(TokenTree::Punct(p)) => p.as_char() == '>',
        // `where T: Bound, { body }`: the body is the item's last tree.
        Some(TokenTree::Group(g)) => {
            delimiter.is_none() && g.delimiter() == Delimiter::Brace && i + 2 == trees.len()
        }
        Some(_) => false,
    }
}

/// Keywords after which parentheses are a tuple, not an argument list (`return (a,)`).
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "as" | "async"
            | "await"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "dyn"
            | "else"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "move"
            | "mut"
            | "ref"
            | "return"
            | "static"
            | "unsafe"
            | "where"
            | "while"
            | "yield"
    )
}

fn text(hasher: &mut blake3::Hasher, tag: u8, s: &str) {
    hasher.update(&[tag]);
    hasher.update(&(s.len() as u32).to_le_bytes());
    hasher.update(s.as_bytes());
}

/// If `trees` starts with a doc attribute (`#[doc …]` or `#![doc …]`), how many trees it spans.
fn doc_attribute_len(trees: &[TokenTree]) -> Option<usize> {
    let TokenTree::Punct(pound) = trees.first()? else {
        return None;
    };
    if pound.as_char() != '#' {
        return None;
    }
    let mut next = 1;
    if let Some(TokenTree::Punct(bang)) = trees.get(1)
        && bang.as_char() == '!'
    {
        next = 2;
    }
    let TokenTree::Group(group) = trees.get(next)? else {
        return None;
    };
    if group.delimiter() != Delimiter::Bracket {
        return None;
    }
    match group.stream().into_iter().next() {
        Some(TokenTree::Ident(ident)) if ident == "doc" => Some(next + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
