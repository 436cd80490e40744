# The seed tutorial, "PyTorch: Part 2 - Autograd, Automatic Gradients": every snippet, in order,
# verbatim, except that `import torch` became `import ember as torch`. Its output matches what
# torch 2.13 prints for the same code (tests/test_seed_tutorial.py checks it line by line).
# Run it with `python examples/autograd_tutorial.py` or `python -m ember --tutorial`. It exists twice, as
# examples/autograd_tutorial.py and as ember/_seed_tutorial.py (the copy an installed ember runs);
# tests/test_seed_tutorial.py checks that the two are the same file.
import ember as torch  # the one line that differs from the tutorial

# Create a tensor and tell PyTorch to track operations
x = torch.tensor(3.0, requires_grad=True)
print(f"x = {x}")
# Perform some operation
y = x ** 2 # y = x²
print(f"y = {y}")
# Calculate gradients
y.backward()
# Access the gradient
print(f"dy/dx = {x.grad}") # Should be 2*x = 6

# Multiple operations
x = torch.tensor(2.0, requires_grad=True)
y = torch.tensor(3.0, requires_grad=True)
# Function: z = x² + 2xy + y²
z = x**2 + 2*x*y + y**2
print(f"z = {z}")
# Calculate all gradients at once
z.backward()
print(f"dz/dx = {x.grad}") # Should be 2x + 2y = 10
print(f"dz/dy = {y.grad}") # Should be 2x + 2y = 10

x = torch.tensor(2.0, requires_grad=True)
# First calculation
y = x ** 2
y.backward()
print(f"After first backward: {x.grad}") # 4
# Second calculation
y = x ** 2
y.backward()
print(f"After second backward: {x.grad}") # 8 (4 + 4)

x.grad.zero_() # Reset gradient to 0

x = torch.tensor(2.0, requires_grad=True)
# With gradient tracking
y = x ** 2
print(y.requires_grad) # True
# Without gradient tracking
with torch.no_grad():
    y = x ** 2
print(y.requires_grad) # False

x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
# Detach y from the graph
z = y.detach()
print(z.requires_grad) # False

# Start at x = 0
x = torch.tensor(0.0, requires_grad=True)
learning_rate = 0.1
for i in range(20):
    # Forward pass
    y = (x - 5) ** 2
    # Backward pass
    y.backward()
    # Update x (gradient descent)
    with torch.no_grad():
        x -= learning_rate * x.grad
    # Reset gradient
    x.grad.zero_()
    if i % 5 == 0:
        print(f"Step {i}: x = {x.item():.3f}, f(x) = {y.item():.3f}")
print(f"\nFinal: x = {x.item():.3f} (should be close to 5)")
