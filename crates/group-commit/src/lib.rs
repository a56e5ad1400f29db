//! Group commit for a redb database: concurrent writers queue their write transactions on
//! one thread, which runs a whole queue's worth in a single transaction and commits once, so
//! one fsync serves all of them instead of one each. Each writer still sees its own result,
//! and a failing write never drags its neighbours down: when one fails, the batch is
//! abandoned and every write in it runs again in a transaction of its own.

use std::{
    sync::{Arc, LazyLock, mpsc},
    thread::JoinHandle,
    time::Instant,
};

use prometheus::{Histogram, HistogramVec};
use redb::{Database, WriteTransaction};
use tokio::sync::oneshot;

use gochat_telemetry::metrics;

/// Most writes one commit carries.
const MAX_BATCH: usize = 256;

/// Page cache of each embedded database. redb's default (1 GiB each) let `gochat local`'s
/// four files grow past a gigabyte of RSS under load; the working set of a laptop
/// installation is far smaller.
pub const CACHE_BYTES: usize = 32 * 1024 * 1024;

/// Opens (or creates) the redb file at `path` with a [`CACHE_BYTES`] page cache.
pub fn open_database(path: &std::path::Path) -> Result<Database, redb::DatabaseError> {
    redb::Builder::new()
        .set_cache_size(CACHE_BYTES)
        .create(path)
}

/// Time of one commit (page writes and fsync), by database.
static COMMIT_DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "gochat_store_commit_duration_seconds",
        "Time of one commit of an embedded database (its page writes and fsync), by database.",
        &["database"],
        &[
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
        ],
    )
});

/// Writes carried by one commit, by database.
static COMMIT_WRITES: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "gochat_store_commit_writes",
        "Writes carried by one commit of an embedded database (group commit), by database.",
        &["database"],
        &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
    )
});

/// One database's commit metrics.
struct CommitMetrics {
    duration: Histogram,
    writes: Histogram,
}

impl CommitMetrics {
    fn new(database: &str) -> Self {
        Self {
            duration: COMMIT_DURATION.with_label_values(&[database]),
            writes: COMMIT_WRITES.with_label_values(&[database]),
        }
    }

    /// Commits `txn`, which carries `writes` writes, and observes it.
    fn commit(&self, txn: WriteTransaction, writes: usize) -> Result<(), String> {
        let started = Instant::now();
        let outcome = txn.commit().map_err(|e| e.to_string());
        self.duration.observe(started.elapsed().as_secs_f64());
        self.writes.observe(writes as f64);
        outcome
    }
}

/// One queued write, type-erased so a batch can hold writes of different result types.
trait Job: Send {
    /// Runs the write in `txn`; false when it failed (its result keeps the error).
    fn run(&mut self, txn: &WriteTransaction) -> bool;
    /// Reports the outcome: the write's own result when `commit` succeeded (or the write
    /// failed), the commit's error otherwise.
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct Typed<T, E, W, A> {
    work: W,
    after_commit: Option<A>,
    result: Option<Result<T, E>>,
    reply: Option<oneshot::Sender<Result<T, E>>>,
    failed: fn(String) -> E,
}

impl<T, E, W, A> Job for Typed<T, E, W, A>
where
    T: Send,
    E: Send,
    W: FnMut(&WriteTransaction) -> Result<T, E> + Send,
    A: FnOnce(&T) + Send,
{
    fn run(&mut self, txn: &WriteTransaction) -> bool {
        let result = (self.work)(txn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(mut self: Box<Self>, commit: Result<(), String>) {
        let result = match (self.result.take(), commit) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => {
                if let Some(after) = self.after_commit.take() {
                    after(&value);
                }
                Ok(value)
            }
            (_, Err(why)) => Err((self.failed)(why)),
            (None, Ok(())) => Err((self.failed)("the write never ran".to_owned())),
        };
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(result);
        }
    }
}

/// The writer of one database. Dropping it waits for queued writes to finish.
pub struct GroupCommit {
    jobs: Option<mpsc::Sender<Box<dyn Job>>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts the writer thread of `db`, named after `name` (e.g. `chat-store`), which is
    /// also the `database` label of its commit metrics.
    pub fn new(db: Arc<Database>, name: &str) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        let metrics = CommitMetrics::new(name);
        let thread = std::thread::Builder::new()
            .name(format!("{name}-writer"))
            .spawn(move || write_loop(&db, &queue, &metrics))?;
        Ok(Self {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Runs `work` in a write transaction (possibly shared with other writers) and returns
    /// its result once committed. `work` may run more than once (a shared transaction that
    /// another write failed is abandoned and retried alone), so it must not consume what it
    /// captured. `after_commit` runs on the writer thread right after the commit, in commit
    /// order: the place for effects that must follow commit order. `failed` turns a
    /// transaction or commit failure into the caller's error.
    pub async fn write<T, E, W, A>(
        &self,
        work: W,
        after_commit: A,
        failed: fn(String) -> E,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: Send + 'static,
        W: FnMut(&WriteTransaction) -> Result<T, E> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Typed {
            work,
            after_commit: Some(after_commit),
            result: None,
            reply: Some(reply),
            failed,
        });
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
        if !sent {
            return Err(failed("the database writer has stopped".to_owned()));
        }
        answer.await.unwrap_or_else(|_| {
            Err(failed(
                "the database writer stopped before answering".to_owned(),
            ))
        })
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write_loop(db: &Database, queue: &mpsc::Receiver<Box<dyn Job>>, metrics: &CommitMetrics) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(db, batch, metrics);
    }
}

fn commit_batch(db: &Database, mut batch: Vec<Box<dyn Job>>, metrics: &CommitMetrics) {
    let txn = match db.begin_write() {
        Ok(txn) => txn,
        Err(e) => {
            let why = e.to_string();
            return batch
                .into_iter()
                .for_each(|job| job.finish(Err(why.clone())));
        }
    };
    let all_ran = batch.iter_mut().all(|job| job.run(&txn));
    if all_ran {
        let commit = metrics.commit(txn, batch.len());
        return batch.into_iter().for_each(|job| job.finish(commit.clone()));
    }
    drop(txn);
    for job in batch {
        alone(db, job, metrics);
    }
}

fn alone(db: &Database, mut job: Box<dyn Job>, metrics: &CommitMetrics) {
    match db.begin_write() {
        Err(e) => job.finish(Err(e.to_string())),
        Ok(txn) => {
            if job.run(&txn) {
                let commit = metrics.commit(txn, 1);
                job.finish(commit);
            } else {
                drop(txn);
                job.finish(Ok(()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use redb::{ReadableDatabase, ReadableTableMetadata, TableDefinition};

    use super::*;

    const T: TableDefinition<u64, u64> = TableDefinition::new("t");

    fn open() -> (tempfile::TempDir, Arc<Database>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Database::create(dir.path().join("db")).expect("db");
        (dir, Arc::new(db))
    }

    fn put(key: u64) -> impl FnMut(&WriteTransaction) -> Result<u64, String> + Send + 'static {
        move |txn| {
            let mut table = txn.open_table(T).map_err(|e| e.to_string())?;
            table.insert(key, key * 10).map_err(|e| e.to_string())?;
            Ok(key)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_commit_is_observed_with_the_writes_it_carried() {
        let (_dir, db) = open();
        let writer = Arc::new(GroupCommit::new(db, "metrics-test").expect("writer"));
        let tasks: Vec<_> = (0..100u64)
            .map(|k| {
                let writer = writer.clone();
                tokio::spawn(async move { writer.write(put(k), |_| {}, |e| e).await })
            })
            .collect();
        for task in tasks {
            task.await.expect("task").expect("written");
        }
        let writes = COMMIT_WRITES.with_label_values(&["metrics-test"]);
        let durations = COMMIT_DURATION.with_label_values(&["metrics-test"]);
        assert_eq!(writes.get_sample_sum(), 100.0, "every write counted once");
        let commits = writes.get_sample_count();
        assert!((1..=100).contains(&commits), "{commits} commits");
        assert_eq!(
            durations.get_sample_count(),
            commits,
            "one duration per commit"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_all_land_and_each_gets_its_result() {
        let (_dir, db) = open();
        let writer = Arc::new(GroupCommit::new(db.clone(), "test").expect("writer"));
        let tasks: Vec<_> = (0..500u64)
            .map(|k| {
                let writer = writer.clone();
                tokio::spawn(async move { writer.write(put(k), |_| {}, |e| e).await })
            })
            .collect();
        for (k, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.expect("task"), Ok(k as u64));
        }
        let read = db.begin_read().expect("read");
        let table = read.open_table(T).expect("table");
        assert_eq!(table.len().expect("len"), 500);
        assert_eq!(table.get(499).expect("get").expect("row").value(), 4990);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_is_undone_alone_and_its_neighbours_commit() {
        let (_dir, db) = open();
        let writer = Arc::new(GroupCommit::new(db.clone(), "test").expect("writer"));
        let tasks: Vec<_> = (0..100u64)
            .map(|k| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .write(
                            move |txn: &WriteTransaction| {
                                let mut table = txn.open_table(T).map_err(|e| e.to_string())?;
                                table.insert(k, k).map_err(|e| e.to_string())?;
                                if k % 10 == 3 {
                                    Err(format!("refused {k}"))
                                } else {
                                    Ok(k)
                                }
                            },
                            |_| {},
                            |e| e,
                        )
                        .await
                })
            })
            .collect();
        for (k, task) in tasks.into_iter().enumerate() {
            let got = task.await.expect("task");
            if k % 10 == 3 {
                assert_eq!(got, Err(format!("refused {k}")));
            } else {
                assert_eq!(got, Ok(k as u64));
            }
        }
        let read = db.begin_read().expect("read");
        let table = read.open_table(T).expect("table");
        assert_eq!(
            table.len().expect("len"),
            90,
            "the failed writes left nothing"
        );
        assert!(table.get(3).expect("get").is_none());
        assert!(table.get(4).expect("get").is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn after_commit_hooks_run_in_commit_order() {
        let (_dir, db) = open();
        let writer = Arc::new(GroupCommit::new(db, "test").expect("writer"));
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut answers = Vec::new();
        for k in 0..200u64 {
            let order = order.clone();
            answers.push(writer.write(
                put(k),
                move |v: &u64| order.lock().expect("lock").push(*v),
                |e| e,
            ));
        }
        for answer in futures::future::join_all(answers).await {
            answer.expect("committed");
        }
        let seen = order.lock().expect("lock").clone();
        assert_eq!(seen, (0..200).collect::<Vec<_>>());
    }

    #[test]
    fn dropping_the_writer_releases_the_database() {
        let (dir, db) = open();
        let writer = GroupCommit::new(db.clone(), "test").expect("writer");
        drop(writer);
        drop(db);
        Database::create(dir.path().join("db")).expect("reopened after the writer stopped");
    }
}
