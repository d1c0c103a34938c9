(* Greets the user and sums the first ten numbers. *)
PROGRAM Hello;

VAR
  name : STRING;
  total : INTEGER;
  i : INTEGER;

FUNCTION Square(n : INTEGER) : INTEGER;
BEGIN
  Square := n * n;
END;

BEGIN
  WriteLn('What is your name?');
  ReadLn(name);
  total := 0;
  FOR i := 1 TO 10 DO
    total := total + Square(i);
  WriteLn('Hello, ', name, '! Sum of squares: ', IntToStr(total));
END.
