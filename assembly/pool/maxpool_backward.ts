// Routes each output gradient to its window's argmax; windows that overlap (stride < pool)
// accumulate, as the book's col2im does.
export function maxpool_backward(dy: usize, argmax: usize, planes: i32, outSize: i32, planeSize: i32, dx: usize): void {
  memory.fill(dx, 0, (<usize>(planes * planeSize)) << 2);
  for (let pl = 0; pl < planes; pl++) {
    const dst = dx + ((<usize>(pl * planeSize)) << 2);
    for (let o = 0; o < outSize; o++) {
      const p = dst + ((<usize>load<i32>(argmax)) << 2);
      store<f32>(p, load<f32>(p) + load<f32>(dy));
      dy += 4;
      argmax += 4;
    }
  }
}
