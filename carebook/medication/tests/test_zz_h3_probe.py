import time
import carebook.medication.tests.test_api_schemathesis as t
orig = t.fuzz
def fuzz(operation, mode, headers, path_parameters):
    s = time.perf_counter()
    orig(operation, mode, headers, path_parameters)
    print(f"{time.perf_counter()-s:6.2f} {operation.method} {operation.path} {mode.value} {bool(path_parameters)}")
t.fuzz = fuzz
def test_probe(world):
    t.test_no_input_breaks_the_api(world)
