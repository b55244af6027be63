//! The newsroom: what the staff do to the site (create, save, publish and
//! import articles, and the changes to categories, tags, users, media and
//! settings), each as one function that the staff area's handlers, the
//! command line and the demo call alike. It sits between the handlers and
//! `db/`: a use case here checks, writes through `db/` and keeps its
//! record in one transaction, and knows nothing of HTTP or the terminal.
//! For now it holds the import; the other actions move here from the
//! handlers.

pub mod import;
