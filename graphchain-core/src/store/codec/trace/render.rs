//! The traced structure as canonical text: what a fingerprint hashes and `type_structure` shows.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{Desc, Shape, State, Variant};

impl State {
    /// The structure as text: the root, then each container it reaches, numbered in the order
    /// they are first referred to.
    pub(super) fn render(&self, root: &Desc) -> String {
        let mut numbers: HashMap<usize, usize> = HashMap::new();
        let mut order = Vec::new();
        let mut out = String::from("root ");
        self.render_desc(root, &mut numbers, &mut order, &mut out);
        let mut next = 0;
        while let Some(&id) = order.get(next) {
            next += 1;
            let c = &self.containers[id];
            let _ = write!(out, "\n#{} {:?}", numbers[&id], c.name);
            match c.variants_of {
                None => self.render_variant(&c.variants[0], &mut numbers, &mut order, &mut out),
                Some(names) => {
                    out.push_str(" enum {");
                    for (i, (name, v)) in names.iter().zip(&c.variants).enumerate() {
                        let _ = write!(out, " {i} {name:?}");
                        self.render_variant(v, &mut numbers, &mut order, &mut out);
                        out.push(';');
                    }
                    out.push_str(" }");
                }
            }
        }
        out
    }

    fn render_variant(
        &self,
        v: &Variant,
        numbers: &mut HashMap<usize, usize>,
        order: &mut Vec<usize>,
        out: &mut String,
    ) {
        let (open, names) = match v.shape {
            Some(Shape::Unit) | None => return out.push_str(" unit"),
            Some(Shape::Newtype) => (" newtype(", None),
            Some(Shape::Tuple(_)) => (" tuple(", None),
            Some(Shape::Struct(names)) => (" struct {", Some(names)),
        };
        out.push_str(open);
        for (i, d) in v.fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if let Some(names) = names {
                let _ = write!(out, "{:?}: ", names[i]);
            }
            self.render_desc(d, numbers, order, out);
        }
        out.push_str(if names.is_some() { "}" } else { ")" });
    }

    fn render_desc(
        &self,
        d: &Desc,
        numbers: &mut HashMap<usize, usize>,
        order: &mut Vec<usize>,
        out: &mut String,
    ) {
        let mut list = |out: &mut String, open: &str, ds: &[&Desc]| {
            out.push_str(open);
            for (i, d) in ds.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                self.render_desc(d, numbers, order, out);
            }
            out.push_str(if open == "(" { ")" } else { ">" });
        };
        match d {
            Desc::Unknown => out.push('?'),
            Desc::Prim(name) => out.push_str(name),
            Desc::Option(d) => list(out, "option<", &[d]),
            Desc::Seq(d) => list(out, "seq<", &[d]),
            Desc::Map(k, v) => list(out, "map<", &[k, v]),
            Desc::Tuple(ds) => list(out, "(", &ds.iter().collect::<Vec<_>>()),
            Desc::Ref(id) => {
                let n = numbers.len();
                let number = *numbers.entry(*id).or_insert_with(|| {
                    order.push(*id);
                    n
                });
                let _ = write!(out, "#{number}");
            }
        }
    }
}
