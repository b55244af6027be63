//! Every migration runs up, down and up again, on each backend.

use diesel::prelude::*;
use iconocast::db::{revert_all_migrations, run_migrations, Database};

use crate::helpers::{backend_test, Backend, TestDatabase};

backend_test!(
    async fn migrations_run_up_down_and_up_again(backend: Backend) {
        let database = TestDatabase::create(&backend);
        let db = Database::connect(database.url.clone()).expect("connect");
        let mut conn = db.get().expect("connection");
        let up = run_migrations(&mut conn).expect("up");
        assert!(up >= 1, "{backend:?}");
        let down = revert_all_migrations(&mut conn).expect("down");
        assert_eq!(down, up);
        let exists = diesel::sql_query("SELECT id FROM articles").execute(&mut *conn);
        assert!(exists.is_err(), "{backend:?}: tables are gone after down");
        assert_eq!(run_migrations(&mut conn).expect("up again"), up);
        let count: i64 = iconocast::db::schema::articles::table
            .count()
            .get_result(&mut *conn)
            .expect("the articles table is back");
        assert_eq!(count, 0);
        drop(conn);
        drop(db);
    }
);
