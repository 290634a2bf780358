//! The stage between a task and Kafka where Kafka Connect runs its transformation chain:
//! source `poll → stage → convert → produce`, sink `fetch → convert → stage → put`.
//!
//! A stage takes a batch in the record-batch encoding (`wit/RECORD-FORMAT.md`) and gives
//! one back: each record kept, replaced or dropped. The connector's configuration builds it;
//! with nothing configured it is empty and the batch passes through untouched, without being
//! read or copied.

use super::TaskError;

/// One step of a stage: a batch in, a batch out, each output record coming from one input
/// record (Kafka Connect's `Transformation`, batched).
pub(crate) trait Step: Send + Sync + std::fmt::Debug {
    /// Applies the step to `batch`; the output's records come from the input records at the
    /// returned indices, in order (`None`: one output record per input record).
    fn apply(&mut self, batch: &[u8]) -> Result<(Vec<u8>, Option<Vec<u32>>), TaskError>;
}

/// What a non-empty stage made of a batch.
#[derive(Debug)]
pub(crate) struct Staged {
    /// The batch to convert (source) or put (sink).
    pub(crate) batch: Vec<u8>,
    /// For each record of `batch`, the index of the record it came from in the batch given
    /// to the stage; `None` when every step kept the records one for one. A source task is
    /// told of the records missing here as dropped.
    pub(crate) origin: Option<Vec<u32>>,
}

/// The steps a task runs between its connector and Kafka, in order.
#[derive(Debug, Default)]
pub(crate) struct Stage {
    steps: Vec<Box<dyn Step>>,
}

impl Stage {
    /// A stage of these steps.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "transforms build stages (issue 17)")
    )]
    pub(crate) fn new(steps: Vec<Box<dyn Step>>) -> Self {
        Self { steps }
    }

    /// Runs every step on `batch`, composing where each record came from; `None` for an
    /// empty stage, whose output is `batch` itself.
    pub(crate) fn apply(&mut self, batch: &[u8]) -> Result<Option<Staged>, TaskError> {
        let Some((first, rest)) = self.steps.split_first_mut() else {
            return Ok(None);
        };
        let (batch, origin) = first.apply(batch)?;
        let mut staged = Staged { batch, origin };
        for step in rest {
            let (batch, origin) = step.apply(&staged.batch)?;
            staged.batch = batch;
            staged.origin = match (staged.origin.take(), origin) {
                (before, None) => before,
                (None, after) => after,
                (Some(before), Some(after)) => Some(
                    after
                        .into_iter()
                        .map(|i| before.get(i as usize).copied().unwrap_or(u32::MAX))
                        .collect(),
                ),
            };
        }
        Ok(Some(staged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps every other record (a filter) and says so; the batch stands for its records.
    #[derive(Debug)]
    struct EveryOther;

    impl Step for EveryOther {
        fn apply(&mut self, batch: &[u8]) -> Result<(Vec<u8>, Option<Vec<u32>>), TaskError> {
            let kept: Vec<u32> = (0..batch.len() as u32).step_by(2).collect();
            let out = kept.iter().map(|&i| batch[i as usize]).collect();
            Ok((out, Some(kept)))
        }
    }

    #[test]
    fn an_empty_stage_leaves_the_batch_as_it_is() {
        assert!(Stage::default().apply(&[1, 2, 3]).unwrap().is_none());
    }

    #[test]
    fn origins_compose_across_steps() {
        let mut stage = Stage::new(vec![Box::new(EveryOther), Box::new(EveryOther)]);
        let staged = stage.apply(&[10, 11, 12, 13, 14]).unwrap().unwrap();
        assert_eq!(staged.batch, vec![10, 14]);
        assert_eq!(staged.origin, Some(vec![0, 4]));
    }
}
