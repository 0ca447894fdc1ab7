"""What the book shows: metric tables as ``value [low, high]`` cells (:mod:`.cells`), results
beside the paper's (:mod:`.beside_paper`), the site experiments in words (:mod:`.sites`),
figures (:mod:`.plots`), captions (:mod:`.captions`), a chapter's set-up (:mod:`.chapter`),
the benchmark tables (:mod:`.bench`, :mod:`.bench_gpu`), the book's time per option
(:mod:`.budget`) and the build record (:mod:`.build_record`)."""
