//! The cases, grouped by what they prove. Each takes a fresh, empty [`TestDb`](crate::TestDb).

pub mod concurrency;
pub mod crud;
pub mod errors;
pub mod processes;
pub mod schema;
pub mod transactions;
pub mod types;
