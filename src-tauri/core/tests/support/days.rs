//! Days in the user's local time, for tests that place messages on a day.

/// Noon, local time, `days_ago` days before today: its day (`YYYY-MM-DD`)
/// and UTC milliseconds.
pub fn local_noon(days_ago: i64) -> (String, i64) {
    let day = chrono::Local::now().date_naive() - chrono::Duration::days(days_ago);
    let noon = day
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_local_timezone(chrono::Local)
        .earliest()
        .unwrap();
    (day.to_string(), noon.timestamp_millis())
}
