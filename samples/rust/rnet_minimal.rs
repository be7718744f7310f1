// SPDX-License-Identifier: GPL-2.0

//! The smallest rnet module: proves that a Rust module built in the rnet tree
//! loads, allocates, and unloads cleanly.
//!
//! On load it fills a vector and logs its sum; on unload it logs the sum again
//! from the value it kept, so a test can check both lines in the kernel log.

use kernel::prelude::*;

module! {
    type: RnetMinimal,
    name: "rnet_minimal",
    author: "rnet developers",
    description: "rnet: minimal Rust module (load/unload check)",
    license: "GPL",
}

struct RnetMinimal {
    /// The numbers `1..=16`, kept until unload.
    numbers: KVec<u32>,
}

impl RnetMinimal {
    fn sum(&self) -> u32 {
        self.numbers.iter().sum()
    }
}

impl kernel::Module for RnetMinimal {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let mut numbers = KVec::new();
        for i in 1..=16u32 {
            numbers.push(i, GFP_KERNEL)?;
        }
        let this = Self { numbers };
        pr_info!("rnet_minimal: loaded, sum {}\n", this.sum());
        Ok(this)
    }
}

impl Drop for RnetMinimal {
    fn drop(&mut self) {
        pr_info!("rnet_minimal: unloaded, sum {}\n", self.sum());
    }
}
