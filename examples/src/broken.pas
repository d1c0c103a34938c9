(* Deliberate mistakes: each line below shows one diagnostic. *)
PROGRAM Broken;

VAR
  count : INTEGER;

BEGIN
  count := 'ten';
  WriteLn('count is ', IntToStr(count, 2));
  WriteLn(missing);
  WriteLn('never closed);
  IF count > 3 THEN
  BEGIN
    WriteLn('big');
END.
