//! Policy as data: which algorithms are acceptable, and until when.
//!
//! [`algorithms`] is the one dated table consulted by path validation (and, later, by the
//! message layer), in the spirit of Sequoia's `StandardPolicy`: every decision is a lookup of
//! an algorithm and a time, so a test can pin the clock and a cut-off can move in one place.

pub mod algorithms;
