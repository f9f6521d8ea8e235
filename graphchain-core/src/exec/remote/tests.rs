//! Parsing executors and worker roles, and the protocol's lines.

use std::io::BufReader;

use super::protocol::{Assigned, FromWorker, Outcome, ToWorker, receive, send};
use super::{Executor, Role};

#[test]
fn executors_parse_from_their_names() {
    assert_eq!("local".parse(), Ok(Executor::Local));
    assert_eq!("processes:3".parse(), Ok(Executor::processes(3)));
    assert_eq!(" processes : 2 ".parse(), Ok(Executor::processes(2)));
    assert!(matches!("processes".parse(), Ok(Executor::Processes { workers }) if workers >= 1));
    for bad in ["", "processes:0", "processes:x", "threads:2", "local:2"] {
        let error = bad.parse::<Executor>().unwrap_err().to_string();
        assert!(error.contains(&format!("`{bad}`")), "{error}");
    }
    assert_eq!(Executor::processes(4).to_string(), "processes:4");
}

#[test]
fn roles_round_trip_through_the_environment_value() {
    let role = Role {
        driver: "127.0.0.1:4242".into(),
        run: 7,
        worker: 3,
    };
    let value = role.to_env();
    assert_eq!(value, "127.0.0.1:4242/7/3");
    // `Role::from_env` splits the value from the right, so the address may hold any `/`-free text.
    let mut parts = value.rsplitn(3, '/');
    assert_eq!(parts.next(), Some("3"));
    assert_eq!(parts.next(), Some("7"));
    assert_eq!(parts.next(), Some("127.0.0.1:4242"));
}

#[test]
fn messages_are_lines_that_read_back() {
    let mut wire = Vec::new();
    let run = ToWorker::Run(vec![Assigned {
        key: "ab".into(),
        function: "f".into(),
    }]);
    let done = FromWorker::Done(vec![
        Outcome::Stored(5),
        Outcome::Err("bad\nnews".into(), 1),
        Outcome::Panic("boom".into(), 2),
        Outcome::Refused("no key".into()),
    ]);
    send(&mut wire, &run).unwrap();
    send(&mut wire, &done).unwrap();
    assert_eq!(wire.iter().filter(|&&b| b == b'\n').count(), 2);
    let mut reader = BufReader::new(&wire[..]);
    assert_eq!(receive::<ToWorker>(&mut reader).unwrap(), Some(run));
    assert_eq!(receive::<FromWorker>(&mut reader).unwrap(), Some(done));
    assert_eq!(receive::<FromWorker>(&mut reader).unwrap(), None);
}
