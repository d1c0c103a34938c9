(* Folding: a block comment,
   nested BEGIN..END blocks. *)
PROGRAM Folds;
VAR
  x : INTEGER;
BEGIN
  x := 1;
  IF x > 0 THEN
  BEGIN
    WriteLn(x);
    WriteLn(x + 1);
  END;
END.
