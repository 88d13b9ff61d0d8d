//! The service: migrates its database at start-up, then would serve.

use std::process::ExitCode;

fn main() -> ExitCode {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:app.db".to_string());
    match app::start(&url).and_then(|(mut db, applied)| Ok((app::notes(db.as_mut())?, applied)))
    {
        Ok((notes, applied)) => {
            println!("app: {applied} migration(s) applied at start-up; {notes} note(s)");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("app: cannot start: {e}");
            ExitCode::from(2)
        }
    }
}
