; List helpers in a Lisp-like language.
(define (square x) (* x x))

(define (sum-squares items)
  (fold + 0 (map square items)))

(display (sum-squares (list 1 2 3)))
(newline)
(display (length (list 1 2) (list 3)))
