"""What the book shows: the paper's numbers (:mod:`.paper`), figures (:mod:`.plots`),
captions (:mod:`.captions`) and the benchmark tables (:mod:`.bench`)."""
