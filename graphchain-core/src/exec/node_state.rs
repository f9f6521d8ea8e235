//! Where a node stands in an attempt, kept in one atomic byte per node, and how its task ended.

use std::time::Duration;

use super::report::{Reason, Status};

/// Where a node stands in an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum NodeState {
    /// Not ended yet (waiting for inputs, or running).
    Running,
    Computed,
    Loaded,
    /// Reused from memory: an earlier attempt of the run produced it.
    InMemory,
    Failed,
    /// Not run because an input failed.
    Skipped,
    /// Its cache entry could not be used; it is computed in another attempt.
    BadEntry,
    /// Not started: fail-fast stopped the run after a failure.
    Cancelled,
}

impl NodeState {
    const ALL: [NodeState; 8] = [
        NodeState::Running,
        NodeState::Computed,
        NodeState::Loaded,
        NodeState::InMemory,
        NodeState::Failed,
        NodeState::Skipped,
        NodeState::BadEntry,
        NodeState::Cancelled,
    ];

    pub(super) fn from_u8(state: u8) -> NodeState {
        NodeState::ALL[usize::from(state)]
    }

    /// Whether a node in this state leaves its readers without a value.
    pub(super) fn failed(self) -> bool {
        matches!(
            self,
            NodeState::Failed | NodeState::Skipped | NodeState::BadEntry | NodeState::Cancelled
        )
    }

    /// The status the node is reported with; `None` for a value reused from memory, or a node
    /// never reached.
    pub(super) fn status(self) -> Option<Status> {
        Some(match self {
            NodeState::Computed => Status::Computed,
            NodeState::Loaded => Status::Loaded,
            NodeState::Failed => Status::Failed,
            NodeState::Skipped => Status::Skipped,
            NodeState::BadEntry => Status::Discarded,
            NodeState::Cancelled => Status::Cancelled,
            NodeState::Running | NodeState::InMemory => return None,
        })
    }
}

/// How a node's task ended: its state, the time and bytes its compute or load took, and why it
/// ran (when the run keeps a report).
pub(super) struct Done {
    pub(super) state: NodeState,
    pub(super) duration: Duration,
    pub(super) bytes: u64,
    pub(super) reason: Option<Reason>,
}

impl Done {
    pub(super) fn untimed(state: NodeState) -> Self {
        Done {
            state,
            duration: Duration::ZERO,
            bytes: 0,
            reason: None,
        }
    }
}
