//! UI tests of `#[delayed]`: every compile error it emits (`ui/fail`) and signatures it accepts (`ui/pass`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
