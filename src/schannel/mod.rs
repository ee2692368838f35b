//! `tlscheck schannel` (issue 16, in progress): the Windows side of "TLS negotiation failed".
//! This first step reads registry export files ([`reg`]); judging the SCHANNEL protocol keys and
//! the .NET settings, the `--fix` file and the command itself come next.

pub mod reg;
