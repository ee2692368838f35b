//! SMTP client side as a diagnostic tool needs it: a bounded reply parser, EHLO keywords, a
//! limit-enforcing stream, and the session state machine (RFC 5321, STARTTLS per RFC 3207).

pub mod extensions;
pub mod reply;
pub mod session;
pub mod stream;
