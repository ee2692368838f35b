//! What the socket said, shared by every layer that reads one (the SMTP stream and session, the
//! raw TLS probes): whether an I/O error means the peer closed or reset the connection.

/// The peer reset or closed the connection under us.
pub fn is_reset(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::UnexpectedEof
    )
}
