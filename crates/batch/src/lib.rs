//! Proves an ECS instance role works with AWS Batch, and always cleans up.

pub mod api;
pub mod cleanup;
pub mod ec2;
pub mod error;
pub mod verify;

#[cfg(test)]
mod mock_tests;

pub use error::Error;
