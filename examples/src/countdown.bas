10 REM Count down from ten, then say goodbye
20 LET N = 10
30 WHILE N > 0
40   PRINT "T minus "; N
50   LET N = N - 1
60 WEND
70 PRINT "Liftoff!"
80 FOR I = 1 TO 3
90   PRINT STR$(I, 2)
100 END
