//! Compiles the `.proto` files with `protox` (pure Rust, no system `protoc`) and generates
//! the tonic/prost code plus the descriptor set that gRPC reflection serves.

use std::{env, fs, path::PathBuf};

const PROTOS: &[&str] = &[
    "gochat/auth/v1/auth.proto",
    "gochat/chat/v1/chat.proto",
    "gochat/email/v1/email.proto",
    "gochat/error/v1/error.proto",
];

include!("src/secret_messages.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-changed=src/secret_messages.rs");
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(
        out_dir.join("gochat_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .skip_debug(SECRET_MESSAGES)
        .compile_fds(descriptors)?;
    Ok(())
}
