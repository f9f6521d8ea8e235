//! On/off environment variables (`GRAPHCHAIN_EXPLAIN`, `GRAPHCHAIN_PROGRESS`,
//! `GRAPHCHAIN_WRITE_BEHIND`): one spelling of yes and no for all of them.

use std::sync::Once;

/// `1`, `true`, `on`, `yes` (in any case, around spaces) are on; `0`, `false`, `off`, `no`
/// are off; anything else is no switch.
pub(crate) fn parse_switch(value: &str) -> Option<bool> {
    const ON: [&str; 4] = ["1", "true", "on", "yes"];
    const OFF: [&str; 4] = ["0", "false", "off", "no"];
    let value = value.trim();
    if ON.iter().any(|on| value.eq_ignore_ascii_case(on)) {
        Some(true)
    } else if OFF.iter().any(|off| value.eq_ignore_ascii_case(off)) {
        Some(false)
    } else {
        None
    }
}

/// What the switch `name` is set to: `None` when it is unset or empty. A value that is no switch
/// counts as unset, and is named on stderr the first time (`warned` is the variable's own).
pub(crate) fn switch_from_env(name: &str, warned: &Once) -> Option<bool> {
    let value = std::env::var_os(name).filter(|v| !v.is_empty())?;
    let switch = value.to_str().and_then(parse_switch);
    if switch.is_none() {
        warned.call_once(|| {
            eprintln!(
                "graphchain: {name} must be 1 or 0 (true or false, on or off, yes or no), not \
                 `{}`: it is ignored",
                value.to_string_lossy()
            );
        });
    }
    switch
}

#[cfg(test)]
mod tests {
    use super::parse_switch;

    #[test]
    fn every_spelling_of_on_and_off_is_read_and_nothing_else() {
        for on in ["1", "true", "TRUE", " on ", "Yes"] {
            assert_eq!(parse_switch(on), Some(true), "{on:?}");
        }
        for off in ["0", "false", "Off", "no "] {
            assert_eq!(parse_switch(off), Some(false), "{off:?}");
        }
        for neither in ["", "2", "enable", "t", "1.0"] {
            assert_eq!(parse_switch(neither), None, "{neither:?}");
        }
    }
}
