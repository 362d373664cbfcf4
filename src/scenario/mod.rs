//! The user's language: the scenario schema (its types are re-exported here), loading a RON scenario with
//! precise errors, validating it, and judging its expectations.
//!
//! A scenario holds a name, a seed, a simulated start time and interval, the indices (with expiry rules and
//! depths), configuration overrides, the market path, fault **phases** (cycle windows) and the
//! **expectations** checked after the run. Unknown fields are rejected everywhere.

mod expect;
mod load;
mod property;
mod validate;

pub use crate::calendar::{ExpiryRule, UnknownRule};
pub use crate::fault::{CyclePhase, Fault, FaultKind, LeanSupport, Parameter, RowShape, RowUnit, Scope};
pub use crate::registry::RegistryEntry;
pub use crate::schema::*;
pub use expect::{Evaluator, ExpectationOutcome, Verdict, direction_flips, evaluate};
pub use load::{LoadedScenario, ScenarioError, load_file, load_file_without_universe, load_text, parse};
pub use property::{Setting, Watch, check as check_property};
pub(crate) use validate::is_valid;
pub use validate::rows_per_cycle;
