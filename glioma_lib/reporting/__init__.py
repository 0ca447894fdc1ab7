"""What the book shows: metric tables as ``value [low, high]`` cells (:mod:`.cells`), results
beside the paper's (:mod:`.beside_paper`), the site experiments in words (:mod:`.sites`), one
call per experiment for chapters 6 and 7 (:mod:`.beyond`, :mod:`.headline`, returning a
:mod:`.section`), figures (:mod:`.plots`), captions (:mod:`.captions`), numbered tables and
figures with their captions in the text (:mod:`.exhibit`), a chapter's set-up
(:mod:`.chapter`), the benchmark tables (:mod:`.bench`, :mod:`.bench_gpu`,
:mod:`.bench_precision`, :mod:`.bench_cv`), the book's time per option (:mod:`.budget`)
the build record (:mod:`.build_record`) and whether a built book reads at laptop and phone
width (:mod:`.layout`)."""
